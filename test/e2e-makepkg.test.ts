// Issue 4 end to end: real makepkg builds through `serve` and a `worker --driver makepkg`, real pacman
// installing the result, a new commit rebuilding the dependents, a failing build and its retry.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { DEMO_PACKAGES, type DemoPackage, writeDemoPackage, writeDemoPackages } from "../scripts/demo-packages";
import { inspectPackage } from "../src/pacman";
import { makeTempDir, removeDir } from "./support/git";
import { createPacmanRoot, type PacmanRoot } from "./support/pacman";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  blocked_by: string[];
  failure_reason: string | null;
}
interface Detail {
  iteration: { id: number; reason: string; architectures: Record<string, { nodes: Node[] }> } | null;
}

let tmp: string;
let repos: string;
let server: ServerProcess;
let worker: Subprocess;
let failMarker: string;
let pacman: PacmanRoot | undefined;

const nodesOf = (d: Detail) => Object.values(d.iteration?.architectures ?? {}).flatMap((a) => a.nodes);
const show = async () => (await server.api<Detail>("/api/v1/namespaces/libdemo")).body;
const settled = (what: string, iterationAfter = 0) =>
  waitFor(
    what,
    async () => {
      const d = await show();
      if (!d.iteration || d.iteration.id <= iterationAfter) return undefined;
      const nodes = nodesOf(d);
      return nodes.length > 0 && !nodes.some((n) => ["pending", "scheduled", "building"].includes(n.status))
        ? d
        : undefined;
    },
    240_000,
    250,
  );

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-e2e-");
  chmodSync(tmp, 0o755);
  repos = join(tmp, "repos");
  // demo-app's build fails while this marker exists: "fixing" it is removing the marker, no commit needed.
  failMarker = join(mkdtempSync(join(tmp, "marker-")), "fail");
  chmodSync(join(failMarker, ".."), 0o777);
  writeDemoPackages(repos);
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  const token = await server.workerToken("makepkg-worker");
  worker = startWorker({
    server: server.url,
    token,
    workDir: join(tmp, "work"),
    args: ["--driver", "makepkg", "--concurrency", "2"],
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  pacman?.remove();
  removeDir(tmp);
});

describe("real makepkg builds", () => {
  test("a namespace builds every package with makepkg; pacman installs them with dependencies from our repository", async () => {
    expect(
      (
        await server.api("/api/v1/namespaces", {
          method: "POST",
          body: JSON.stringify({ origin_changesets: ["libdemo/main"] }),
        })
      ).status,
    ).toBe(201);
    const done = await settled("iteration 1 to finish");
    expect(
      nodesOf(done)
        .map((n) => `${n.pkgbase}:${n.status}`)
        .sort(),
    ).toEqual([
      "demo-app:built",
      "demo-data:built",
      "demo-split:built",
      "demo-suite:built",
      "demo-tool:built",
      "libdemo:built",
    ]);
    // The packages carry makepkg's metadata; rebuilds (every node but the origin) their bumped pkgrel.
    const dir = join(server.dataDir, "repos", "libdemo", String(done.iteration!.id), "x86_64");
    const tool = inspectPackage(readFileSync(join(dir, "demo-tool-0.3-2-x86_64.pkg.tar.zst"))).pkginfo;
    expect(tool).toMatchObject({
      pkgname: "demo-tool",
      pkgbase: "demo-tool",
      version: "0.3-2",
      arch: "x86_64",
      depends: ["libdemo>=1.0"],
      makedepends: ["libdemo"],
    });
    const docs = inspectPackage(readFileSync(join(dir, "demo-split-docs-4.0-2-any.pkg.tar.zst"))).pkginfo;
    expect(docs).toMatchObject({ pkgname: "demo-split-docs", pkgbase: "demo-split", arch: "any", depends: [] });
    expect(inspectPackage(readFileSync(join(dir, "demo-data-20260101-2-any.pkg.tar.zst"))).pkginfo.arch).toBe("any");

    const p = createPacmanRoot({
      repos: [{ name: "buildbtw-libdemo", server: `${server.url}/repo/libdemo/latest/os/x86_64` }],
    });
    pacman = p;
    await p.ok("-Sy");
    await p.ok("-S", "demo-suite", "demo-split-docs", "demo-data");
    expect(await p.installed()).toEqual({
      libdemo: "1.0-1",
      "demo-app": "2.1-2",
      "demo-tool": "0.3-2",
      "demo-suite": "1.2-2",
      "demo-split-docs": "4.0-2",
      "demo-data": "20260101-2",
    });
    expect(readFileSync(p.path("usr/share/buildbtw-demo/demo-suite"), "utf8")).toBe("demo-suite 1.2-2\n");
  });

  test("a new commit on the library's branch makes a new iteration that rebuilds the dependents", async () => {
    const before = (await show()).iteration!.id;
    const lib = DEMO_PACKAGES.find((p) => p.pkgbase === "libdemo")!;
    writeDemoPackage(repos, { ...lib, pkgver: "1.1" }, "libdemo 1.1");
    expect((await server.api("/api/v1/refresh", { method: "POST" })).status).toBe(202);
    const done = await settled("iteration 2 to finish", before);
    expect(done.iteration!.reason).toBe("graph_changed");
    expect(nodesOf(done).every((n) => n.status === "built")).toBe(true);
    const p = pacman!;
    await p.ok("-Syu");
    expect((await p.installed()).libdemo).toBe("1.1-1");
  });

  test("a failing PKGBUILD fails its node with makepkg's error, blocks its dependents; retry after the fix completes", async () => {
    const before = (await show()).iteration!.id;
    const app = DEMO_PACKAGES.find((p) => p.pkgbase === "demo-app")!;
    const failing: DemoPackage = {
      ...app,
      pkgrel: "2",
      build: [`if [ -e ${failMarker} ]; then echo "demo-app: simulated compile error" >&2; false; fi`],
    };
    writeFileSync(failMarker, "");
    writeDemoPackage(repos, failing, "demo-app: build that can fail");
    await server.api("/api/v1/refresh", { method: "POST" });
    const failed = await settled("the failing iteration to settle", before);
    const byName = new Map(nodesOf(failed).map((n) => [n.pkgbase, n]));
    expect(byName.get("demo-app")!.status).toBe("failed");
    expect(byName.get("demo-suite")).toMatchObject({ status: "blocked", blocked_by: ["demo-app"] });
    expect(byName.get("demo-tool")!.status).toBe("built");
    const log = await server.api<{ text: string }>(`/api/v1/builds/${byName.get("demo-app")!.id}/log`);
    expect(log.body.text).toContain("demo-app: simulated compile error");
    expect(log.body.text).toContain("A failure occurred in build()");

    rmSync(failMarker);
    const retried = await server.api("/api/v1/namespaces/libdemo/retry-node", {
      method: "POST",
      body: JSON.stringify({ pkgbase: "demo-app" }),
    });
    expect(retried.status).toBe(200);
    const done = await waitFor(
      "the namespace to complete after the retry",
      async () => {
        const d = await show();
        return nodesOf(d).every((n) => n.status === "built") ? d : undefined;
      },
      240_000,
      250,
    );
    expect(done.iteration!.id).toBe(failed.iteration!.id);
  });
});
