// Faults an operator meets: a full disk (a small tmpfs as the data directory, mounted here: the tests run
// as root), a start after a crash (the sweep), and SIGTERM while work is in flight.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildPackage } from "../src/pacman";
import { BuildLogStore } from "../src/server/log-store";
import { runProcess } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
let repos: string;
const pkg = (name: string, version = "1.0.0-1") =>
  buildPackage(
    { pkgname: name, pkgbase: name, version, arch: "x86_64" },
    { [`usr/share/${name}/data`]: "x".repeat(1000) },
  );
const fileOf = (name: string) => `${name}-1.0.0-1-x86_64.pkg.tar.zst`;

beforeAll(() => {
  tmp = makeTempDir();
  repos = join(tmp, "repos");
  for (const name of ["alpha", "beta", "gamma"]) makeRepo(repos, name, srcinfo({ pkgbase: name }));
});
afterAll(() => removeDir(tmp));

async function leaseFor(server: ServerProcess, token: string): Promise<{ lease_id: string; pkgbase: string }> {
  return waitFor("a lease", async () => {
    const r = await server.api<{ lease_id: string; pkgbase: string }>("/api/v1/leases", {
      method: "POST",
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 2000 }),
      token,
    });
    return r.status === 200 ? r.body : undefined;
  });
}

const upload = (server: ServerProcess, token: string, leaseId: string, name: string, body: BodyInit) =>
  server.api<{ error: string }>(`/api/v1/leases/${leaseId}/files/${fileOf(name)}`, { method: "PUT", body, token });
/** Uploads are staged until the build reports built; then they move into the repository. */
const reportBuilt = async (server: ServerProcess, token: string, leaseId: string) =>
  (
    await server.api(`/api/v1/leases/${leaseId}/result`, {
      method: "POST",
      body: JSON.stringify({ status: "built" }),
      token,
    })
  ).status;

describe("a full disk", () => {
  let mount: string;
  let server: ServerProcess;
  let token: string;
  const env = { BUILDBTW_LEASE_TTL_MS: "600000", BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" };

  beforeAll(async () => {
    mount = join(tmp, "tmpfs");
    mkdirSync(mount);
    const mounted = await runProcess(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount]);
    expect(mounted.code).toBe(0);
    server = await startServer({ dataDir: join(mount, "data"), reposDir: repos, env });
    token = await server.workerToken("filler");
  });
  afterAll(async () => {
    await server?.stop();
    await runProcess(["umount", "-l", mount]);
  });

  test("writes answer 507 with a sentence, reads keep working, nothing is half-written; space back, writes work", async () => {
    const create = (name: string, origin: string) =>
      server.api<{ error: string }>("/api/v1/namespaces", {
        method: "POST",
        body: JSON.stringify({ origin_changesets: [origin], name }),
      });
    expect((await create("one", "alpha/main")).status).toBe(201);
    const lease = await leaseFor(server, token);
    const alpha = pkg("alpha");
    expect((await upload(server, token, lease.lease_id, "alpha", alpha)).status).toBe(201);
    expect(await reportBuilt(server, token, lease.lease_id)).toBe(200);
    // A second build, leased before the disk fills: its upload is what the full disk refuses.
    expect((await create("three", "gamma/main")).status).toBe(201);
    const pending = await leaseFor(server, token);

    // Fill what is left of the disk.
    const filler = join(mount, "filler");
    const dd = await runProcess(["dd", "if=/dev/zero", `of=${filler}`, "bs=1M"]);
    expect(dd.stderr).toContain("No space left on device");

    const refusedCreate = await create("two", "beta/main");
    expect(refusedCreate.status).toBe(507);
    expect(refusedCreate.body.error).toBe(
      "the server's disk is full; nothing was stored, try again when an operator has freed space",
    );
    const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    const refusedUpload = await upload(server, token, pending.lease_id, "gamma", big);
    expect(refusedUpload.status).toBe(507);
    expect(refusedUpload.body.error).toContain("disk is full");
    expect(readdirSync(join(mount, "data", "tmp", "uploads"))).toEqual([]);
    const refusedLog = await server.api<{ error: string }>(`/api/v1/leases/${pending.lease_id}/log`, {
      method: "POST",
      body: "x".repeat(64 * 1024),
      headers: { "content-type": "text/plain" },
      token,
    });
    expect([204, 507]).toContain(refusedLog.status);

    // Reads still work: the namespace, the package as uploaded.
    expect((await server.api("/api/v1/namespaces/one")).status).toBe(200);
    const served = await fetch(`${server.url}/repo/one/latest/os/x86_64/${fileOf("alpha")}`);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(alpha);

    // `serve` starts on the full disk and serves reads.
    await server.stop();
    await waitFor("the stopped line", () => server.logs.some((l) => l.includes('"msg":"stopped"')), 5000);
    // Closing the database gave back its write-ahead log: fill that too, then start.
    await runProcess(["dd", "if=/dev/zero", `of=${filler}-2`, "bs=64k"]);
    server = await startServer({ dataDir: join(mount, "data"), reposDir: repos, env });
    expect((await server.api("/api/v1/namespaces/one")).status).toBe(200);
    expect((await create("two", "beta/main")).status).toBe(507);

    // Space returns: writes work again without a restart.
    await runProcess(["rm", "-f", filler, `${filler}-2`]);
    expect((await create("two", "beta/main")).status).toBe(201);
    expect((await upload(server, token, pending.lease_id, "gamma", pkg("gamma"))).status).toBe(201);
    expect(await reportBuilt(server, token, pending.lease_id)).toBe(200);

    // Nothing corrupt: the database checks out and names exactly the files on disk.
    await server.stop();
    const db = new Database(join(mount, "data", "buildbtw.sqlite"), { readonly: true });
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    const rows = db.query("SELECT file_name FROM artifacts WHERE staged = 0 ORDER BY file_name").all() as {
      file_name: string;
    }[];
    db.close();
    const files = ["one", "three"].flatMap((ns) => {
      const dir = join(mount, "data", "repos", ns);
      return readdirSync(dir).flatMap((it) =>
        readdirSync(join(dir, it, "x86_64")).filter((f) => f.endsWith(".pkg.tar.zst")),
      );
    });
    expect(files.sort()).toEqual(rows.map((r) => r.file_name));
    server = await startServer({ dataDir: join(mount, "data"), reposDir: repos, env });
  });
});

describe("start and stop", () => {
  test("a start sweeps upload temporaries, half-written files and packages no build owns, and says so", async () => {
    const dataDir = join(tmp, "data-sweep");
    let server = await startServer({ dataDir, reposDir: repos });
    await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["gamma/main"] }),
    });
    const token = await server.workerToken("sweeper");
    const lease = await leaseFor(server, token);
    expect((await upload(server, token, lease.lease_id, "gamma", pkg("gamma"))).status).toBe(201);
    expect(await reportBuilt(server, token, lease.lease_id)).toBe(200);
    await server.stop();

    const repoDir = join(dataDir, "repos", "gamma", "1", "x86_64");
    const leftovers = [
      join(dataDir, "tmp", "uploads", "upload-1234"),
      join(repoDir, ".buildbtw-tmp-5678"),
      join(repoDir, "orphan-1.0-1-x86_64.pkg.tar.zst"),
    ];
    mkdirSync(join(dataDir, "tmp", "uploads"), { recursive: true });
    for (const f of leftovers) writeFileSync(f, "left behind");
    server = await startServer({ dataDir, reposDir: repos });
    for (const f of leftovers) expect(existsSync(f)).toBe(false);
    expect(existsSync(join(repoDir, fileOf("gamma")))).toBe(true);
    const line = server.logs.find((l) => l.includes("removed what a crash left behind"));
    expect(line).toContain("orphan-1.0-1-x86_64.pkg.tar.zst");
    expect(line).toContain(".buildbtw-tmp-5678");
    expect(line).toContain('"upload_temporaries":1');
    await server.stop();
  });

  test("SIGTERM: no new leases, writes in flight finish, 'stopped' says what was interrupted, exit within 10 s", async () => {
    const dataDir = join(tmp, "data-term");
    const server = await startServer({ dataDir, reposDir: repos, env: { BUILDBTW_LEASE_TTL_MS: "600000" } });
    await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["beta/main"] }),
    });
    const token = await server.workerToken("terminator");
    const lease = await leaseFor(server, token);
    // An upload that never finishes sending: it is what the stop interrupts.
    let started!: () => void;
    const sending = new Promise<void>((resolve) => {
      started = resolve;
    });
    const stuck = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(pkg("beta").subarray(0, 100));
        started();
      },
    });
    const pending = upload(server, token, lease.lease_id, "beta", stuck).catch((e) => e);
    await sending;
    await waitFor("the upload to arrive", () => {
      const dir = join(dataDir, "tmp", "uploads");
      return existsSync(dir) && readdirSync(dir).length === 1;
    });
    server.proc.kill("SIGTERM");
    const exited = await Promise.race([server.proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    expect(exited).toBe(true);
    await pending;
    const stopped = await waitFor(
      "the stopped line",
      () => server.logs.find((l) => l.includes('"msg":"stopped"')),
      5000,
    );
    expect(stopped).toContain(`PUT /api/v1/leases/${lease.lease_id}/files/${fileOf("beta")}`);
  });
});

describe("a build log on a full disk", () => {
  test("an append that does not fit is taken back whole: the log stays as it was, and goes on once space returns", async () => {
    const mount = join(tmp, "logs-tmpfs");
    mkdirSync(mount);
    expect((await runProcess(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount])).code).toBe(0);
    try {
      const store = new BuildLogStore(join(mount, "logs"), 64 * 1024 * 1024);
      store.append(7, "==> Making package: zlib\n");
      const before = store.length(7);
      // Leave a little room: the next append starts writing, then runs out.
      const filler = join(mount, "filler");
      writeFileSync(filler, Buffer.alloc(1024 * 1024 - 64 * 1024));
      const free = statfsSync(mount);
      expect(free.bavail * free.bsize).toBeLessThan(200 * 1024);
      const chunk = "x".repeat(255) + "\n";
      expect(() => store.append(7, chunk.repeat(1024))).toThrow(/disk/i);
      expect(store.length(7)).toBe(before);
      expect(store.read(7, 0).text).toBe("==> Making package: zlib\n");
      rmSync(filler);
      store.append(7, "==> Finished making: zlib\n");
      expect(store.read(7, 0).text).toBe("==> Making package: zlib\n==> Finished making: zlib\n");
    } finally {
      await runProcess(["umount", "-l", mount]);
    }
  });
});
