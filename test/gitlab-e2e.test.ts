// GitLab mode end to end: a namespace on a `buildbtw serve` in GitLab mode over the GitLab double builds
// every node through pipelines → the runner harness (playing gitlab-runner) → `buildbtw executor` (isolation
// none, real makepkg) → uploads → node built; real pacman installs the result; a failing build fails its
// pipeline and its node, and blocks its dependents.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoPackage, pkgbuildOf, srcinfoOf } from "../scripts/demo-packages";
import { GitlabDouble } from "./gitlab-double";
import { CI_CONFIG, startGitlabServer, WEBHOOK_SECRET } from "./gitlab-double/packages";
import { executorRunner, type RunnerLoop, runPipelinesOf } from "./runner-harness";
import { makeTempDir, removeDir } from "./support/git";
import { canRunPacman, createPacmanRoot } from "./support/pacman";
import { type ServerProcess, waitFor } from "./support/processes";

const BUILD_USER = process.env.BUILDBTW_BUILD_USER ?? "buildbtw-build";
// Where a build (running as the build user) may leave a pid file for the test.
const SHARED = mkdtempSync(join(tmpdir(), "buildbtw-gitlab-e2e-shared-"));
chmodSync(SHARED, 0o777);

const PACKAGES: DemoPackage[] = [
  { pkgbase: "libdemo", pkgver: "1.0", arch: "x86_64" },
  { pkgbase: "demo-app", pkgver: "2.1", arch: "x86_64", depends: ["libdemo"] },
  {
    pkgbase: "demo-split",
    pkgver: "4.0",
    arch: "x86_64",
    depends: ["libdemo"],
    packages: [
      { pkgname: "demo-split", depends: ["libdemo"] },
      { pkgname: "demo-split-docs", depends: [], arch: "any" },
    ],
  },
  // Builds until it is stopped: for cancelling a namespace while its pipeline runs.
  {
    pkgbase: "demo-slow",
    pkgver: "1.0",
    arch: "x86_64",
    build: [`sleep 600 & echo $! > ${SHARED}/demo-slow.pid; wait`],
  },
  // Fails in build(): its pipeline and node fail, and demo-broken-user stays blocked by it.
  {
    pkgbase: "demo-broken",
    pkgver: "1.0",
    arch: "x86_64",
    depends: ["libdemo"],
    build: ["echo about to fail", "false"],
  },
  { pkgbase: "demo-broken-user", pkgver: "1.0", arch: "x86_64", depends: ["demo-broken"] },
];

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  blocked_by: string[];
  failure_reason: string | null;
  pipeline_id: number | null;
  pipeline_url: string | null;
}
interface Detail {
  iteration: { id: number; architectures: Record<string, { nodes: Node[] }> } | null;
}

let tmp: string;
let gl: GitlabDouble;
let server: ServerProcess & { reposDir: string };
let loop: RunnerLoop;

const nodes = async () => {
  const d = (await server.api<Detail>("/api/v1/namespaces/libdemo")).body;
  return Object.values(d.iteration?.architectures ?? {}).flatMap((a) => a.nodes);
};
const byName = (list: Node[]) => Object.fromEntries(list.map((n) => [n.pkgbase, n]));

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-gitlab-e2e-");
  // The build user must reach the builds below the executor directory.
  chmodSync(tmp, 0o755);
  gl = await GitlabDouble.start();
  for (const p of PACKAGES) {
    gl.addProject({
      name: p.pkgbase,
      files: { PKGBUILD: pkgbuildOf(p), ".SRCINFO": srcinfoOf(p), ".gitlab-ci.yml": CI_CONFIG },
    });
  }
  server = await startGitlabServer(gl, {
    RUN_BUILDS_ON_GITLAB: "true",
    GITLAB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BUILDBTW_PIPELINE_POLL_INTERVAL_MS: "1000",
  });
  gl.addHook({ url: `${server.url}/api/v1/gitlab/webhook`, token: WEBHOOK_SECRET });
  const dir = join(tmp, "executor");
  mkdirSync(dir, { mode: 0o755 });
  const runner = executorRunner({
    dir,
    serverUrl: server.url,
    token: await server.workerToken("gitlab-runner-host"),
    isolation: "none",
    env: { BUILDBTW_BUILD_USER: BUILD_USER },
    tmpRoot: tmp,
  });
  loop = runPipelinesOf(gl, runner, { concurrent: 2 });
});

afterAll(async () => {
  await loop?.stop();
  await server?.stop();
  await gl?.close();
  removeDir(tmp);
  removeDir(SHARED);
});

describe("a namespace built on GitLab", () => {
  let settled: Node[];

  test("every buildable node is built through a pipeline, the broken one fails it", async () => {
    await waitFor(
      "the namespace to be created (the server clones the group first)",
      async () =>
        (
          await server.api("/api/v1/namespaces", {
            method: "POST",
            body: JSON.stringify({ name: "libdemo", origin_changesets: ["libdemo/main"] }),
          })
        ).status === 201,
      60_000,
    );
    settled = await waitFor(
      "every node to be built or failed (blocked behind the failure)",
      async () => {
        const list = await nodes();
        const open = list.filter((n) => !["built", "failed"].includes(n.status) && n.blocked_by.length === 0);
        return list.length === PACKAGES.length - 1 && open.length === 0 ? list : undefined;
      },
      300_000,
      250,
    );
    const n = byName(settled);
    for (const name of ["libdemo", "demo-app", "demo-split"]) expect(n[name]?.status).toBe("built");
    expect(n["demo-broken"]?.status).toBe("failed");
    expect(n["demo-broken-user"]?.status).toBe("blocked");
    expect(n["demo-broken-user"]?.blocked_by).toEqual(["demo-broken"]);
  });

  test("each node ran as its own pipeline on its project, at its commit, and GitLab shows the outcome", async () => {
    const n = byName(settled);
    // A node is built as soon as the executor reports; the runner then still cleans up and reports to GitLab.
    await waitFor("the runner to finish its jobs", () => loop.running().length === 0);
    for (const name of ["libdemo", "demo-app", "demo-split", "demo-broken"]) {
      const node = n[name]!;
      expect(node.pipeline_id).not.toBeNull();
      const pipeline = gl.pipeline(node.pipeline_id!);
      expect(pipeline.project).toBe(`${gl.group}/${name}`);
      expect(gl.variable(pipeline.id, "BUILDBTW_PKGBASE")).toBe(name);
      expect(gl.variable(pipeline.id, "BUILDBTW_COMMIT")).toBe(pipeline.sha);
      expect(node.pipeline_url).toBe(pipeline.webUrl);
      const result = loop.results.get(pipeline.id)!;
      expect(result).toBeDefined();
      // The runner's job log reached GitLab's job trace.
      expect(pipeline.jobs[0]?.log).toContain("==> buildbtw: building libdemo/");
      if (name === "demo-broken") {
        expect(pipeline.status).toBe("failed");
        expect(pipeline.jobs[0]?.failureReason).toBe("script_failure");
        expect(result.log).toContain("about to fail");
      } else {
        expect(pipeline.status).toBe("success");
        expect(result.status).toBe("success");
      }
    }
    // The executor told the server why; that sentence, not only "the pipeline failed", is what packagers see.
    expect(n["demo-broken"]?.failure_reason).toMatch(/makepkg exited with status/);
    // No pipeline for a node whose dependency failed.
    expect(n["demo-broken-user"]?.pipeline_id).toBeNull();
  });

  test("pacman installs what the pipelines built from the namespace's repository", async () => {
    expect(canRunPacman()).toBe(true);
    const pacman = createPacmanRoot({
      repos: [{ name: "buildbtw-libdemo", server: `${server.url}/repo/libdemo/latest/os/$arch` }],
    });
    try {
      await pacman.ok("-Sy");
      await pacman.ok("-S", "demo-app", "demo-split", "demo-split-docs");
      expect(await pacman.installed()).toEqual({
        libdemo: "1.0-1",
        "demo-app": "2.1-2",
        "demo-split": "4.0-2",
        "demo-split-docs": "4.0-2",
      });
      // The pipelines built the rebuilds with the bump the server decided (pkgrel + 1).
      expect(await Bun.file(pacman.path("usr/share/buildbtw-demo/demo-app")).text()).toBe("demo-app 2.1-2\n");
    } finally {
      pacman.remove();
    }
  });
});

describe("cancelling a namespace on GitLab", () => {
  test("cancels its running pipeline; the runner stops the job, the executor stops makepkg and cleans up", async () => {
    await waitFor(
      "the namespace to be created",
      async () =>
        (
          await server.api("/api/v1/namespaces", {
            method: "POST",
            body: JSON.stringify({ name: "slow", origin_changesets: ["demo-slow/main"] }),
          })
        ).status === 201,
    );
    const pidFile = join(SHARED, "demo-slow.pid");
    const pid = Number(
      await waitFor(
        "the build to be running",
        () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim(),
        120_000,
      ),
    );
    expect(alive(pid)).toBe(true);
    const slowNode = async () =>
      (await server.api<Detail>("/api/v1/namespaces/slow")).body.iteration?.architectures.x86_64?.nodes[0];
    const pipelineId = (await slowNode())?.pipeline_id;
    expect(pipelineId).toBeNumber();

    const cancel = await server.api("/api/v1/namespaces/slow", {
      method: "PATCH",
      body: JSON.stringify({ status: "cancelled" }),
    });
    expect(cancel.status).toBe(200);
    await waitFor(
      "the pipeline to be canceled in GitLab",
      () => gl.pipeline(pipelineId!).status === "canceled",
      60_000,
    );
    await waitFor("the runner to end the job", () => loop.results.get(pipelineId!), 60_000);
    expect(loop.results.get(pipelineId!)?.status).toBe("canceled");
    expect(alive(pid)).toBe(false);
    // cleanup ran after the cancel.
    expect(loop.results.get(pipelineId!)?.calls.at(-1)?.stage).toBe("cleanup");
    expect((await slowNode())?.status).not.toBe("built");
  });
});

/** Whether a process is alive (a zombie is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
