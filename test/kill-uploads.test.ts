// Three SIGKILLs of the server while 16 slots upload: after each restart the database, the files and the
// repository databases agree, nothing is left half-way (upload temporaries, orphaned packages), and in
// the end every package is present exactly once.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildPackage } from "../src/pacman";
import { runProcess } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

const NAMES = Array.from({ length: 16 }, (_, i) => `slot${String(i + 1).padStart(2, "0")}`);
const fileOf = (name: string) => `${name}-1.0.0-1-x86_64.pkg.tar.zst`;
const env = { BUILDBTW_LEASE_TTL_MS: "3000", BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" };

let tmp: string;
let dataDir: string;
let server: ServerProcess;
let token: string;

beforeAll(async () => {
  tmp = makeTempDir();
  dataDir = join(tmp, "data");
  for (const name of NAMES) makeRepo(join(tmp, "repos"), name, srcinfo({ pkgbase: name }));
  server = await startServer({ dataDir, reposDir: join(tmp, "repos"), env });
  token = await server.workerToken("slots");
  const created = await server.api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: NAMES.map((n) => `${n}/main`), name: "many" }),
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

/** A package with ~2 MiB of random payload, so that an upload takes a moment. */
function pkg(name: string): Uint8Array {
  const payload = new Uint8Array(2 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 65536) crypto.getRandomValues(payload.subarray(i, i + 65536));
  return buildPackage(
    { pkgname: name, pkgbase: name, version: "1.0.0-1", arch: "x86_64" },
    { "usr/share/blob": payload },
  );
}

async function leaseAll(): Promise<{ lease_id: string; pkgbase: string }[]> {
  const leases: { lease_id: string; pkgbase: string }[] = [];
  for (;;) {
    const r = await server.api<{ lease_id: string; pkgbase: string }>("/api/v1/leases", {
      method: "POST",
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: leases.length === 0 ? 5000 : 200 }),
      token,
    });
    if (r.status !== 200) return leases;
    leases.push(r.body);
  }
}

/** Upload the lease's package and report it built; a killed server's errors are expected. */
async function build(lease: { lease_id: string; pkgbase: string }): Promise<void> {
  try {
    const put = await fetch(`${server.url}/api/v1/leases/${lease.lease_id}/files/${fileOf(lease.pkgbase)}`, {
      method: "PUT",
      body: pkg(lease.pkgbase) as BodyInit,
      headers: { authorization: `Bearer ${token}` },
    });
    if (put.status !== 201) return;
    await server.api(`/api/v1/leases/${lease.lease_id}/result`, {
      method: "POST",
      body: JSON.stringify({ status: "built" }),
      token,
    });
  } catch {}
}

/** Published artifacts, the package files in the repository, and what its database lists, all agree. */
async function checkConsistent(): Promise<string[]> {
  expect(existsSync(join(dataDir, "tmp", "uploads")) ? readdirSync(join(dataDir, "tmp", "uploads")) : []).toEqual([]);
  const db = new Database(join(dataDir, "buildbtw.sqlite"), { readonly: true });
  const rows = db
    .query("SELECT file_name, size, iteration_id FROM artifacts WHERE staged = 0 ORDER BY file_name")
    .all() as { file_name: string; size: number; iteration_id: number }[];
  db.close();
  const repo = join(dataDir, "repos", "many");
  // The restarted server rewrites the repository databases (the .files one a moment after the .db), each
  // through a temporary file renamed into place: those come and go. One left behind by the killed server
  // would stay (the start-up sweep must have removed it), so wait for none rather than look once.
  const temporary = () =>
    (existsSync(repo) ? readdirSync(repo) : []).flatMap((it) =>
      readdirSync(join(repo, it, "x86_64")).filter((n) => n.startsWith(".buildbtw-tmp-")),
    );
  await waitFor("no temporary files in the repository", () => temporary().length === 0, 15_000, 20).catch(() => {
    expect(temporary()).toEqual([]);
  });
  const files: string[] = [];
  for (const it of existsSync(repo) ? readdirSync(repo) : []) {
    const dir = join(repo, it, "x86_64");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".pkg.tar.zst"))) {
      files.push(f);
      const row = rows.find((r) => r.file_name === f && String(r.iteration_id) === it);
      expect(row?.size).toBe(statSync(join(dir, f)).size);
    }
    // The repository database lists exactly the package files.
    const listed = await runProcess(["bsdtar", "-tf", join(dir, "buildbtw-many.db")]);
    const entries = listed.stdout
      .split("\n")
      .filter((l) => /^[^/]+\/$/.test(l))
      .map((l) => `${l.slice(0, -1)}-x86_64.pkg.tar.zst`)
      .sort();
    expect(entries).toEqual(
      readdirSync(dir)
        .filter((n) => n.endsWith(".pkg.tar.zst"))
        .sort(),
    );
  }
  expect(files.sort()).toEqual(rows.map((r) => r.file_name));
  // Present exactly once.
  expect(new Set(files).size).toBe(files.length);
  return files;
}

test("three SIGKILLs while 16 slots upload leave database, files and repository databases in agreement", async () => {
  for (let kill = 1; kill <= 3; kill++) {
    const leases = await waitFor("leases", async () => {
      const l = await leaseAll();
      return l.length > 0 ? l : undefined;
    });
    const running = leases.map(build);
    // Kill once the first uploads are arriving, so others are mid-way.
    await waitFor(
      "uploads in flight",
      () => existsSync(join(dataDir, "tmp", "uploads")) && readdirSync(join(dataDir, "tmp", "uploads")).length > 0,
      30_000,
      5,
    ).catch(() => undefined);
    server.proc.kill("SIGKILL");
    await server.proc.exited;
    await Promise.all(running);
    server = await startServer({ dataDir, reposDir: join(tmp, "repos"), env });
    await checkConsistent();
  }
  // A build whose lease a kill cut three times has failed (the lease rule): retry the namespace, then let
  // every build finish; each package is then present exactly once.
  expect((await server.api("/api/v1/namespaces/many/iterations", { method: "POST" })).status).toBe(201);
  const settled = await waitFor(
    "every build built",
    async () => {
      await Promise.all((await leaseAll()).map(build));
      const r = await server.api<{ builds: { pkgbase: string; status: string }[] }>("/api/v1/namespaces/many/builds");
      return r.body.builds.length === 16 && r.body.builds.every((b) => b.status === "built")
        ? r.body.builds
        : undefined;
    },
    120_000,
    200,
  );
  const built = settled.map((b) => fileOf(b.pkgbase));
  const files = await checkConsistent();
  expect(files.sort()).toEqual(built.sort());
  expect(built.sort()).toEqual(NAMES.map(fileOf));
}, 300_000);
