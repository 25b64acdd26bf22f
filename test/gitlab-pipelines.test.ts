// RUN_BUILDS_ON_GITLAB end to end: a real `buildbtw serve` dispatching builds as pipelines on the GitLab
// double, following their status, accepting uploads with the pipeline's build token, cancelling them with
// the namespace, and losing nothing when GitLab (or the server itself) goes away for a while.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PIPELINE_VARIABLES as V } from "../src/api/routes";
import { buildPackage } from "../src/pacman";
import { type DoublePipeline, GitlabDouble } from "./gitlab-double";
import { addPackages, startGitlabServer, WEBHOOK_SECRET } from "./gitlab-double/packages";
import { removeDir } from "./support/git";
import { type ServerProcess, startWorker, waitFor } from "./support/processes";

type Server = ServerProcess & { reposDir: string };

interface Node {
  id: number;
  pkgbase: string;
  commit: string;
  status: string;
  attempts: number;
  failure_reason: string | null;
  pipeline_id: number | null;
  pipeline_url: string | null;
}
interface PipelineBuildJson {
  build_id: number;
  pkgbase: string;
  commit: string;
  version: { epoch: string | null; pkgver: string; pkgrel: string };
  packages: { pkgname: string; arch: string; file: string }[];
  expected_files: string[];
  pipeline_id: number | null;
  pipeline_url: string | null;
}

const CI_PATH = "ci/build.yml@archlinux/packaging/ci";

let gl: GitlabDouble;
let server: Server;
const env = () => ({
  RUN_BUILDS_ON_GITLAB: "true",
  GITLAB_PACKAGES_CI_CONFIG: CI_PATH,
  GITLAB_WEBHOOK_SECRET: WEBHOOK_SECRET,
  BUILDBTW_PIPELINE_POLL_INTERVAL_MS: "1000",
});

beforeAll(async () => {
  gl = await GitlabDouble.start();
  // No .gitlab-ci.yml in the repositories: pipelines can only be created once the server has pointed
  // every project's CI config path at the shared template (GITLAB_PACKAGES_CI_CONFIG).
  addPackages(gl, [
    { pkgbase: "zlib", ci: false },
    { pkgbase: "libpng", depends: ["zlib"], ci: false },
    { pkgbase: "giflib", ci: false },
    { pkgbase: "libc++", path: "libcplusplus", ci: false },
    { pkgbase: "tree", path: "unix-tree", ci: false },
  ]);
  gl.project("tree").ciConfigPath = CI_PATH;
  server = await startGitlabServer(gl, env());
  gl.addHook({ url: `${server.url}/api/v1/gitlab/webhook`, token: WEBHOOK_SECRET });
});

afterAll(async () => {
  await server?.stop();
  await gl?.close();
  removeDir(server?.dataDir ?? "");
});

async function nodes(name: string): Promise<Node[]> {
  const r = await server.api<{ iteration: { architectures: Record<string, { nodes: Node[] }> } | null }>(
    `/api/v1/namespaces/${name}`,
  );
  return r.body.iteration?.architectures.x86_64?.nodes ?? [];
}

const node = async (ns: string, pkgbase: string) => (await nodes(ns)).find((n) => n.pkgbase === pkgbase);

async function createNamespace(name: string, origin: string, members: number): Promise<void> {
  await waitFor(`namespace ${name}`, async () => {
    const r = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ name, origin_changesets: [origin] }),
    });
    return r.status === 201;
  });
  await waitFor(`${name}'s iteration`, async () => (await nodes(name)).length === members);
}

/** The newest pipeline the double has for a build. */
const pipelineOf = (buildId: number): DoublePipeline | undefined =>
  gl
    .pipelines()
    .filter((p) => p.variables.some((v) => v.key === V.buildId && v.value === String(buildId)))
    .at(-1);

const waitPipeline = (buildId: number, not?: number) =>
  waitFor(`a pipeline for build ${buildId}`, () => {
    const p = pipelineOf(buildId);
    return p && p.id !== not ? p : undefined;
  });

const waitStatus = (ns: string, pkgbase: string, status: string, ms = 20_000) =>
  waitFor(
    `${pkgbase} to be ${status}`,
    async () => {
      const n = await node(ns, pkgbase);
      return n?.status === status ? n : undefined;
    },
    ms,
  );

const token = (p: DoublePipeline) => p.variables.find((v) => v.key === V.token)!.value;

function pipelineApi(path: string, init: RequestInit & { token?: string | null } = {}) {
  return server.api<{ error?: string } & PipelineBuildJson>(`/api/v1/pipeline-builds/${path}`, {
    ...init,
    token: init.token ?? null,
  });
}

/** What the executor's build stage does: read the build, upload every expected package. */
async function uploadPackages(buildId: number, buildToken: string): Promise<void> {
  const spec = (await pipelineApi(String(buildId), { token: buildToken })).body;
  for (const p of spec.packages) {
    const bytes = buildPackage({ pkgname: p.pkgname, pkgbase: spec.pkgbase, version: spec.version, arch: p.arch });
    const r = await pipelineApi(`${buildId}/files/${encodeURIComponent(p.file)}`, {
      method: "PUT",
      body: bytes,
      token: buildToken,
    });
    expect(r.status).toBe(201);
  }
}

describe("pipelines", () => {
  test("GITLAB_PACKAGES_CI_CONFIG: every project's CI config path is set, only where it differs", async () => {
    await waitFor("CI config paths", () =>
      ["zlib", "libpng", "giflib", "libc++", "tree"].every((p) => gl.project(p).ciConfigPath === CI_PATH),
    );
    const puts = gl.requests.filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(4);
    expect(puts.some((r) => r.path.endsWith(`/projects/${gl.project("tree").id}`))).toBe(false);
  });

  test("a buildable node becomes a pipeline at its commit, with the variables; its id and URL are stored", async () => {
    await createNamespace("png", "zlib/main", 2);
    const zlib = await waitFor("zlib's pipeline id", async () => {
      const n = await node("png", "zlib");
      return n?.pipeline_id ? n : undefined;
    });
    const p = gl.pipeline(zlib.pipeline_id!);
    expect(p).toMatchObject({ project: `${gl.group}/zlib`, ref: "main", sha: zlib.commit, source: "api" });
    const vars = Object.fromEntries(p.variables.map((v) => [v.key, v.value]));
    const iteration = (await server.api<{ iteration: { id: number } }>("/api/v1/namespaces/png")).body.iteration.id;
    expect(vars).toMatchObject({
      [V.serverUrl]: server.url,
      [V.buildId]: String(zlib.id),
      [V.namespace]: "png",
      [V.iteration]: String(iteration),
      [V.arch]: "x86_64",
      [V.pkgbase]: "zlib",
      [V.commit]: zlib.commit,
      [V.expectedFiles]: "zlib-1.0.0-1-x86_64.pkg.tar.zst",
      [V.repositoryUrl]: `${server.url}/repo/png/${iteration}/os/x86_64/`,
    });
    expect(vars[V.token]).toMatch(/^bbw_p_/);
    expect(p.variables.every((v) => v.variable_type === "env_var")).toBe(true);
    expect(zlib).toMatchObject({ status: "scheduled", pipeline_url: p.webUrl, attempts: 1 });
    // The dependent waits: no pipeline before zlib is built.
    expect(await node("png", "libpng")).toMatchObject({ status: "blocked", pipeline_id: null });

    const spec = await pipelineApi(String(zlib.id), { token: token(p) });
    expect(spec.status).toBe(200);
    expect(spec.body).toMatchObject({
      build_id: zlib.id,
      pkgbase: "zlib",
      commit: zlib.commit,
      expected_files: ["zlib-1.0.0-1-x86_64.pkg.tar.zst"],
      pipeline_id: p.id,
      pipeline_url: p.webUrl,
    });
  });

  test("pipeline status becomes node status; the build token uploads like a lease, and only its own build", async () => {
    const zlib = (await node("png", "zlib"))!;
    const p = gl.pipeline(zlib.pipeline_id!);
    gl.setPipelineStatus(p.id, "pending");
    gl.setPipelineStatus(p.id, "running");
    await waitStatus("png", "zlib", "building");

    expect((await pipelineApi(String(zlib.id))).status).toBe(401);
    const wrong = await pipelineApi(String(zlib.id), { token: "bbw_p_not-a-token" });
    expect(wrong.status).toBe(403);
    const bad = await pipelineApi(`${zlib.id}/files/evil.pkg.tar.zst`, { method: "PUT", body: "x", token: token(p) });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("is not a package this build produces");
    await uploadPackages(zlib.id, token(p));
    gl.appendJobLog(p.id, "==> Finished making: zlib\n");
    gl.finishPipeline(p.id, "success");
    await waitStatus("png", "zlib", "built");

    // The token ended with its build; the next node got its own pipeline and token.
    expect((await pipelineApi(String(zlib.id), { token: token(p) })).status).toBe(409);
    const libpng = await waitFor("libpng's pipeline", async () => {
      const n = await node("png", "libpng");
      return n?.pipeline_id ? n : undefined;
    });
    const q = gl.pipeline(libpng.pipeline_id!);
    expect((await pipelineApi(String(zlib.id), { token: token(q) })).status).toBe(403);
    // The package is in the namespace's repository.
    const db = await fetch(`${server.url}/repo/png/latest/os/x86_64/zlib-1.0.0-1-x86_64.pkg.tar.zst`);
    expect(db.status).toBe(200);
  });

  test("a failed pipeline fails the node with GitLab's reason; success without the packages fails it too", async () => {
    const libpng = (await node("png", "libpng"))!;
    const q = gl.pipeline(libpng.pipeline_id!);
    gl.setPipelineStatus(q.id, "running");
    gl.finishPipeline(q.id, "failed", { failureReason: "script_failure" });
    const failed = await waitStatus("png", "libpng", "failed");
    expect(failed.failure_reason).toContain(`GitLab pipeline ${q.id} failed: job build failed (script_failure)`);

    // Retrying the node dispatches a new pipeline; the old pipeline's token is stale now.
    expect(
      (await server.api("/api/v1/namespaces/png/retry-node", { method: "POST", body: '{"pkgbase":"libpng"}' })).status,
    ).toBe(200);
    const r = await waitPipeline(libpng.id, q.id);
    expect((await pipelineApi(String(libpng.id), { token: token(q) })).status).toBe(409);
    gl.finishPipeline(r.id, "success");
    const again = await waitStatus("png", "libpng", "failed");
    expect(again.failure_reason).toContain(`GitLab pipeline ${r.id} succeeded, but upload these packages`);
    expect(again.failure_reason).toContain("libpng-1.0.0-2-x86_64.pkg.tar.zst");
  });

  test("the executor's result ends the build at once, while GitLab still shows the pipeline running", async () => {
    const libpng = (await node("png", "libpng"))!;
    await server.api("/api/v1/namespaces/png/retry-node", { method: "POST", body: '{"pkgbase":"libpng"}' });
    const s = await waitPipeline(libpng.id, libpng.pipeline_id!);
    gl.setPipelineStatus(s.id, "running");
    await waitStatus("png", "libpng", "building");
    const early = await pipelineApi(`${libpng.id}/result`, {
      method: "POST",
      body: '{"status":"built"}',
      token: token(s),
    });
    expect(early.status).toBe(400);
    expect(early.body.error).toContain("upload these packages");
    const log = await pipelineApi(`${libpng.id}/log`, { method: "POST", body: "building libpng\n", token: token(s) });
    expect(log.status).toBe(204);
    await uploadPackages(libpng.id, token(s));
    const done = await pipelineApi(`${libpng.id}/result`, {
      method: "POST",
      body: '{"status":"built"}',
      token: token(s),
    });
    expect(done.status).toBe(200);
    expect((await node("png", "libpng"))!.status).toBe("built");
    expect(gl.pipeline(s.id).status).toBe("running");
    const text = await server.api<{ text: string }>(`/api/v1/builds/${libpng.id}/log`);
    expect(text.body.text).toContain("building libpng");
    gl.finishPipeline(s.id, "success");
  });

  test("cancelling a namespace cancels its running pipelines; resuming dispatches the node again", async () => {
    await createNamespace("gif", "giflib/main", 1);
    const giflib = await waitFor("giflib's pipeline", async () => {
      const n = await node("gif", "giflib");
      return n?.pipeline_id ? n : undefined;
    });
    const p = gl.pipeline(giflib.pipeline_id!);
    gl.setPipelineStatus(p.id, "running");
    await waitStatus("gif", "giflib", "building");
    const patch = await server.api("/api/v1/namespaces/gif", { method: "PATCH", body: '{"status":"cancelled"}' });
    expect(patch.status).toBe(200);
    await waitFor("the pipeline to be canceled in GitLab", () => gl.pipeline(p.id).status === "canceled");
    expect(await node("gif", "giflib")).toMatchObject({ status: "pending", attempts: 0 });
    expect((await pipelineApi(String(giflib.id), { token: token(p) })).status).toBe(409);
    expect(gl.pipelines().filter((x) => x.project.endsWith("/giflib"))).toHaveLength(1);

    await server.api("/api/v1/namespaces/gif", { method: "PATCH", body: '{"status":"active"}' });
    const again = await waitPipeline(giflib.id, p.id);
    expect(again.status).toBe("created");
  });

  test("a create whose answer GitLab lost is found, not repeated: one pipeline per dispatch", async () => {
    gl.failNext({ count: 1, status: 502, match: /\/pipeline$/, afterHandling: true });
    await createNamespace("cxx", "libc++/main", 1);
    const cxx = await waitFor("libc++'s pipeline id", async () => {
      const n = await node("cxx", "libc++");
      return n?.pipeline_id ? n : undefined;
    });
    const created = gl.pipelines().filter((x) => x.project === `${gl.group}/libcplusplus`);
    expect(created).toHaveLength(1);
    expect(created[0]!.id).toBe(cxx.pipeline_id!);
    expect(gl.requests.some((r) => r.method === "POST" && r.path.endsWith("/pipeline") && r.status === 502)).toBe(true);
  });

  test("a rate-limited pipeline creation waits as long as GitLab's Retry-After asks, then succeeds", async () => {
    gl.rateLimit({ count: 1, retryAfterS: 2, style: "app", match: /\/pipeline$/ });
    const t = Date.now();
    await createNamespace("cxx-rl", "libc++/main", 1);
    await waitFor("the pipeline id", async () => (await node("cxx-rl", "libc++"))?.pipeline_id);
    const creates = gl.requests.filter((r) => r.at >= t && r.method === "POST" && r.path.endsWith("/pipeline"));
    expect(creates.map((r) => r.status)).toEqual([429, 201]);
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(1950);
  });

  test("a GitLab outage delays work but loses none", async () => {
    const giflib = (await node("gif", "giflib"))!;
    const p = gl.pipeline(giflib.pipeline_id!);
    gl.setPipelineStatus(p.id, "running");
    await waitStatus("gif", "giflib", "building");
    await uploadPackages(giflib.id, token(p));
    await gl.stop();
    // While GitLab is down: the pipeline finishes (GitLab will report it later) and a new node waits.
    gl.finishPipeline(p.id, "success");
    await createNamespace("tree", "tree/main", 1);
    const tree = await waitFor("tree to be scheduled", async () => {
      const n = await node("tree", "tree");
      return n?.status === "scheduled" ? n : undefined;
    });
    await waitFor(
      "a delayed pipeline creation",
      () =>
        server.logs.some((l) => l.includes("pipeline creation delayed")) ||
        server.logs.some((l) => l.includes("GitLab call retried")),
    );
    expect((await node("gif", "giflib"))!.status).toBe("building");
    await gl.start();
    await waitStatus("gif", "giflib", "built", 60_000);
    const tp = await waitFor("tree's pipeline", async () => (await node("tree", "tree"))?.pipeline_id, 60_000);
    expect(gl.pipelines().filter((x) => x.project.endsWith("/unix-tree"))).toHaveLength(1);
    expect(gl.pipeline(tp).variables.find((v) => v.key === V.buildId)?.value).toBe(String(tree.id));
  });

  test("a server restart resumes following its pipelines and finishes half-made dispatches", async () => {
    const tree = (await node("tree", "tree"))!;
    const p = gl.pipeline(tree.pipeline_id!);
    gl.setPipelineStatus(p.id, "running");
    await waitStatus("tree", "tree", "building");
    await uploadPackages(tree.id, token(p));
    // GitLab goes away, a new node's dispatch is left half-made, and the server is killed outright.
    await gl.stop();
    await createNamespace("cxx2", "libc++/main", 1);
    await waitFor("cxx2 to be scheduled", async () => (await node("cxx2", "libc++"))?.status === "scheduled");
    server.proc.kill("SIGKILL");
    await server.proc.exited;
    gl.finishPipeline(p.id, "success");
    await gl.start();
    server = await startGitlabServer(gl, env(), server.dataDir);
    await waitStatus("tree", "tree", "built", 60_000);
    const cxx = await waitFor(
      "cxx2's pipeline",
      async () => {
        const n = await node("cxx2", "libc++");
        return n?.pipeline_id ? n : undefined;
      },
      60_000,
    );
    const forBuild = gl
      .pipelines()
      .filter((x) => x.variables.some((v) => v.key === V.buildId && v.value === String(cxx.id)));
    expect(forBuild).toHaveLength(1);
    expect(cxx.pipeline_url).toBe(forBuild[0]!.webUrl);
  });

  test("a namespace cancelled while GitLab is down gets no pipeline; resumed, exactly one", async () => {
    await gl.stop();
    await createNamespace("gif2", "giflib/main", 1);
    const giflib = await waitFor("giflib to be scheduled", async () => {
      const n = await node("gif2", "giflib");
      return n?.status === "scheduled" ? n : undefined;
    });
    const patch = await server.api("/api/v1/namespaces/gif2", { method: "PATCH", body: '{"status":"cancelled"}' });
    expect(patch.status).toBe(200);
    expect(await node("gif2", "giflib")).toMatchObject({ status: "pending", pipeline_id: null });
    await gl.start();
    await server.api("/api/v1/namespaces/gif2", { method: "PATCH", body: '{"status":"active"}' });
    const p = await waitPipeline(giflib.id);
    await waitFor("the pipeline to be recorded", async () => (await node("gif2", "giflib"))?.pipeline_id === p.id);
    // The first dispatch, retrying in the background, gives up instead of creating a pipeline.
    await waitFor("the cancelled dispatch to give up", () =>
      server.logs.some((l) => l.includes('"pipeline creation abandoned"') && l.includes('"namespace":"gif2"')),
    );
    expect(
      gl.pipelines().filter((x) => x.variables.some((v) => v.key === V.buildId && v.value === String(giflib.id))),
    ).toHaveLength(1);
    expect(p.status).toBe("created");
  });
});

describe("workers", () => {
  test("get no leases: the request is refused with the reason, and `buildbtw worker` stops saying why", async () => {
    const token = await server.workerToken("pull-worker");
    const refused = await server.api<{ error: string }>("/api/v1/leases", {
      method: "POST",
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 0 }),
      token,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("RUN_BUILDS_ON_GITLAB=true");

    const workDir = mkdtempSync(join(tmpdir(), "buildbtw-gitlab-worker-"));
    const worker = startWorker({ server: server.url, token, workDir });
    const code = await Promise.race([worker.exited, Bun.sleep(60_000).then(() => "still running")]);
    if (code === "still running") worker.kill("SIGKILL");
    const stderr = await new Response(worker.stderr as ReadableStream).text();
    removeDir(workDir);
    expect(code).toBe(1);
    expect(stderr).toContain("gives no leases to workers");
  });
});
