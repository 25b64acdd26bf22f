// Package uploads stream to a temporary file and are checked from disk: size limits answer 413 before
// the body is read, a zstd bomb is refused without a memory peak, nothing is left in the temporary
// directory, and a good package still lands.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inspectPackageFile } from "../src/pacman";
import { NotAPackage } from "../src/pacman/errors";
import { peakRss, writePackage, writeZstdBomb } from "./support/bombs";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

const MiB = 1024 ** 2;
const meta = { pkgname: "solo", pkgbase: "solo", version: "1.0.0-1", arch: "x86_64" };
const FILE = "solo-1.0.0-1-x86_64.pkg.tar.zst";

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
  makeRepo(join(tmp, "repos"), "solo", srcinfo({ pkgbase: "solo" }));
});
afterAll(() => removeDir(tmp));

describe("inspectPackageFile", () => {
  test("refuses a zstd bomb as soon as it passes its bound, in bounded memory", async () => {
    const bomb = join(tmp, "bomb.pkg.tar.zst");
    await writeZstdBomb(bomb, meta, 2 * 1024 ** 3);
    const size = Bun.file(bomb).size;
    expect(size).toBeLessThan(MiB);
    const before = process.resourceUsage().maxRSS * 1024;
    const refused = await inspectPackageFile({ path: bomb, size, sha256: "", md5: "" }).catch((e) => e);
    expect(refused).toBeInstanceOf(NotAPackage);
    expect(String(refused.message)).toContain("decompression bomb");
    expect(process.resourceUsage().maxRSS * 1024 - before).toBeLessThan(128 * MiB);
  });

  test("reads a package with a large payload and lists its files", async () => {
    const file = join(tmp, "big.pkg.tar.zst");
    await writeZstdBomb(file, meta, 64 * MiB);
    const info = await inspectPackageFile({ path: file, size: Bun.file(file).size, sha256: "x", md5: "y" });
    expect(info.pkginfo.pkgname).toBe("solo");
    expect(info.files).toEqual(["usr/share/zeros"]);
    expect(info.sha256).toBe("x");
  });
});

describe("uploads to a server with a 2 MiB limit", () => {
  let server: ServerProcess;
  let token: string;
  let leaseId: string;
  const uploads = () => {
    const dir = join(server.dataDir, "tmp", "uploads");
    return existsSync(dir) ? readdirSync(dir) : [];
  };
  const put = (body: BodyInit, headers: Record<string, string> = {}) =>
    server.api<{ error: string; size?: number }>(`/api/v1/leases/${leaseId}/files/${FILE}`, {
      method: "PUT",
      body,
      headers,
      token,
    });

  beforeAll(async () => {
    server = await startServer({
      dataDir: join(tmp, "data"),
      reposDir: join(tmp, "repos"),
      env: { BUILDBTW_MAX_UPLOAD_BYTES: String(2 * MiB), BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
    });
    token = await server.workerToken("uploader");
    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["solo/main"] }),
    });
    expect(created.status).toBe(201);
    leaseId = await waitFor("a lease", async () => {
      const r = await server.api<{ lease_id: string }>("/api/v1/leases", {
        method: "POST",
        body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 2000 }),
        token,
      });
      return r.status === 200 ? r.body.lease_id : undefined;
    });
  });
  afterAll(async () => server?.stop());

  test("a Content-Length over the limit is refused with 413 before the body is sent", async () => {
    // A body that never ends: only an answer given without reading it lets this request finish.
    const endless = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const r = await put(endless, { "content-length": String(3 * MiB) });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe("a package file is larger than the limit of 2 MiB");
  });

  test("a chunked body passing the limit is cut off with 413 and leaves no temporary file", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3 * MiB) return controller.close();
        sent += 256 * 1024;
        controller.enqueue(new Uint8Array(256 * 1024));
      },
    });
    const r = await put(stream);
    expect(r.status).toBe(413);
    expect(r.body.error).toContain("2 MiB");
    await waitFor("the temporary file to go", () => uploads().length === 0);
  });

  test("a zstd bomb is refused with a sentence and no memory peak", async () => {
    const bomb = join(tmp, "server-bomb.pkg.tar.zst");
    await writeZstdBomb(bomb, meta, 2 * 1024 ** 3);
    const before = await peakRss(server.proc.pid);
    const r = await put(Bun.file(bomb));
    expect(r.status).toBe(400);
    expect(r.body.error).toContain("decompression bomb");
    expect((await peakRss(server.proc.pid)) - before).toBeLessThan(128 * MiB);
    expect(uploads()).toEqual([]);
  });

  test("an empty upload is refused; a good package lands in the repository", async () => {
    expect((await put(new Uint8Array())).status).toBe(400);
    const good = join(tmp, FILE);
    writePackage(good, meta);
    const r = await put(Bun.file(good));
    expect(r.status).toBe(201);
    expect(r.body.size).toBe(Bun.file(good).size);
    expect(uploads()).toEqual([]);
    // Staged until the build reports built, then in the repository.
    const repo = join(server.dataDir, "repos", "solo");
    const [iteration] = readdirSync(repo);
    expect(readdirSync(join(repo, iteration!, "x86_64"))).not.toContain(FILE);
    const result = await server.api(`/api/v1/leases/${leaseId}/result`, {
      method: "POST",
      body: JSON.stringify({ status: "built" }),
      token,
    });
    expect(result.status).toBe(200);
    expect(readdirSync(join(repo, iteration!, "x86_64"))).toContain(FILE);
  });
});
