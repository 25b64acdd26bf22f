// Reuse of unchanged builds across iterations of a namespace, end to end: real `serve` and a fake worker
// over HTTP, real git pushes, real pacman installing reused packages from the newest iteration after the
// older iterations' files are gone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { commit, makeRepo, makeTempDir, removeDir } from "./support/git";
import { createPacmanRoot } from "./support/pacman";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Node {
  pkgbase: string;
  status: string;
  reused_from_iteration: number | null;
  identity: string | null;
  duration_ms: number | null;
}
interface Detail {
  iteration: { id: number; reason: string; architectures: Record<string, { nodes: Node[] }> } | null;
}

let tmp: string;
let repos: string;
let server: ServerProcess;
let worker: Subprocess;

// zlib → libpng → cairo → pango, zlib → freetype → cairo.
const specs = {
  zlib: { pkgbase: "zlib" },
  libpng: { pkgbase: "libpng", depends: ["zlib"] },
  freetype: { pkgbase: "freetype", depends: ["zlib"] },
  cairo: { pkgbase: "cairo", depends: ["libpng", "freetype"] },
  pango: { pkgbase: "pango", depends: ["cairo"] },
};

beforeAll(async () => {
  tmp = makeTempDir();
  repos = join(tmp, "repos");
  for (const spec of Object.values(specs)) makeRepo(repos, spec.pkgbase, srcinfo(spec));
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  worker = startWorker({
    server: server.url,
    token: await server.workerToken("w1"),
    workDir: join(tmp, "work"),
    args: ["--concurrency", "2"],
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
});

const nodes = (d: Detail) => new Map((d.iteration?.architectures.x86_64?.nodes ?? []).map((n) => [n.pkgbase, n]));
const show = async (name: string) => (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body;

/** The namespace's newest iteration once it is newer than `after` and every node is built. */
async function builtIteration(name: string, after: number) {
  return waitFor(`an iteration of ${name} after ${after}, all built`, async () => {
    const d = await show(name);
    if (!d.iteration || d.iteration.id <= after) return undefined;
    return [...nodes(d).values()].every((n) => n.status === "built") ? d : undefined;
  });
}

const built = (d: Detail) =>
  [...nodes(d).values()]
    .filter((n) => n.reused_from_iteration === null)
    .map((n) => n.pkgbase)
    .sort();
const reusedFrom = (d: Detail) =>
  Object.fromEntries(
    [...nodes(d).values()]
      .filter((n) => n.reused_from_iteration !== null)
      .map((n) => [n.pkgbase, n.reused_from_iteration]),
  );

async function push(pkgbase: keyof typeof specs, pkgrel: string) {
  commit(join(repos, pkgbase), { ".SRCINFO": srcinfo({ ...specs[pkgbase], pkgrel }) }, `${pkgbase} ${pkgrel}`);
  expect((await server.api("/api/v1/refresh", { method: "POST" })).status).toBe(202);
}

describe("reuse of unchanged builds", () => {
  let first: Detail;
  let third: Detail;

  test("a leaf push rebuilds one node; the others are reused from the first iteration", async () => {
    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
    });
    expect(created.status).toBe(201);
    first = await builtIteration("zlib", 0);
    expect(built(first)).toEqual(["cairo", "freetype", "libpng", "pango", "zlib"]);
    for (const n of nodes(first).values()) {
      expect(n.identity).toMatch(/^[0-9a-f]{64}$/);
      expect(n.duration_ms).toBeGreaterThanOrEqual(0);
    }

    await push("pango", "2");
    const second = await builtIteration("zlib", first.iteration!.id);
    expect(second.iteration!.reason).toBe("graph_changed");
    expect(built(second)).toEqual(["pango"]);
    const one = first.iteration!.id;
    expect(reusedFrom(second)).toEqual({ zlib: one, libpng: one, freetype: one, cairo: one });
    // Reused nodes keep their identity and have no duration of their own.
    expect(nodes(second).get("zlib")!.identity).toBe(nodes(first).get("zlib")!.identity);
    expect(nodes(second).get("zlib")!.duration_ms).toBeNull();
  });

  test("a middle push rebuilds it and exactly its dependents (a dependency of a dependency counts)", async () => {
    const before = (await show("zlib")).iteration!.id;
    await push("libpng", "2");
    third = await builtIteration("zlib", before);
    // libpng has two dependents (cairo, and pango through cairo): d + 1 = 3 builds.
    expect(built(third)).toEqual(["cairo", "libpng", "pango"]);
    // Reuse names the iteration that built the files, not the one that last reused them.
    expect(reusedFrom(third)).toEqual({ zlib: first.iteration!.id, freetype: first.iteration!.id });
    expect(nodes(third).get("pango")!.identity).not.toBe(nodes(first).get("pango")!.identity);
  });

  test("reused files are hard links; with the older iterations deleted, pacman installs from the newest", async () => {
    const dir = (it: number) => join(server.dataDir, "repos", "zlib", String(it), "x86_64");
    const file = "zlib-1.0.0-1-x86_64.pkg.tar.zst";
    const original = statSync(join(dir(first.iteration!.id), file));
    const reused = statSync(join(dir(third.iteration!.id), file));
    expect(reused.ino).toBe(original.ino);
    expect(original.nlink).toBeGreaterThanOrEqual(2);

    // What retention does to old iterations: their directories go; the newest keeps every package.
    for (const it of [first.iteration!.id, third.iteration!.id - 1]) rmSync(dir(it), { recursive: true, force: true });
    const pacman = createPacmanRoot({
      repos: [{ name: "buildbtw-zlib", server: `${server.url}/repo/zlib/latest/os/x86_64` }],
    });
    try {
      await pacman.ok("-Sy");
      await pacman.ok("-S", "pango");
      // The origin as committed, the rebuilds with their pkgrel bumped (a reused one keeps its bump).
      expect(await pacman.installed()).toMatchObject({
        zlib: "1.0.0-1",
        freetype: "1.0.0-2",
        libpng: "1.0.0-3",
        cairo: "1.0.0-2",
        pango: "1.0.0-3",
      });
    } finally {
      pacman.remove();
    }
  });

  test("show and the web UI say which iteration a node was reused from", async () => {
    const out = await server.cli(["show", "zlib"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/zlib\s+1\.0\.0-1\s+reused from iteration \d+/);
    expect(out.stdout).toContain("reused:    2 of 5 nodes");
    const page = await (await fetch(`${server.url}/namespaces/zlib`)).text();
    expect(page).toContain(`reused from iteration ${first.iteration!.id}`);
  });

  test("retry reuses everything unchanged; retry --all builds every node again", async () => {
    const before = (await show("zlib")).iteration!.id;
    const retried = await server.cliJson<{ id: number; reason: string }>(["retry", "zlib", "--json"]);
    expect(retried.reason).toBe("retry");
    const again = await builtIteration("zlib", before);
    expect(built(again)).toEqual([]);

    const all = await server.cli(["retry", "zlib", "--all"]);
    expect(all.code).toBe(0);
    const full = await builtIteration("zlib", again.iteration!.id);
    expect(built(full)).toEqual(["cairo", "freetype", "libpng", "pango", "zlib"]);
    expect((await server.cli(["retry", "zlib", "zlib", "--all"])).stderr).toContain("--all rebuilds a whole namespace");
    const bad = await server.api(`/api/v1/namespaces/zlib/iterations`, {
      method: "POST",
      body: JSON.stringify({ rebuild_all: "yes" }),
    });
    expect(bad.status).toBe(400);
  });

  test("reuse never crosses namespaces", async () => {
    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ name: "other", origin_changesets: ["zlib/main"] }),
    });
    expect(created.status).toBe(201);
    const d = await builtIteration("other", 0);
    expect(built(d)).toEqual(["cairo", "freetype", "libpng", "pango", "zlib"]);
  });
});
