// The build state machine in GitLab mode (RUN_BUILDS_ON_GITLAB), in process: the real server (startServer's deps,
// SQLite file, scheduler, dispatch and follow loops) against the GitLab double, driven through app.request and
// the use cases, with the server's one clock moved by hand. What it pins down: a pending build is claimed for a
// pipeline once and only while it is current, the pipeline's status becomes the build's, a failed pipeline
// fails the build with GitLab's reason and blocks its dependents, and after a retry the old pipeline's token
// and result are stale. test/gitlab-pipelines.test.ts keeps what needs a real `serve` process (restarts,
// outages, rate limits).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PIPELINE_VARIABLES as V } from "../src/api/routes";
import type { BuildNode, NamespaceDetail } from "../src/api/schemas";
import { buildPackage } from "../src/pacman";
import type { RunningServer } from "../src/server/serve";
import { claimPipelineBuild } from "../src/server/usecases/claim-pipeline-build";
import { type DoublePipeline, GitlabDouble } from "./gitlab-double";
import { addPackages, WEBHOOK_SECRET } from "./gitlab-double/packages";
import { makeTempDir, removeDir } from "./support/git";
import { type Call, startInProcess } from "./support/in-process";
import { waitFor } from "./support/processes";

const ADMIN = "pipelines-admin-token-0123456789";
const START = Date.parse("2026-03-01T12:00:00Z");
let clock = START;
let tmp: string;
let gl: GitlabDouble;
let server: RunningServer;
let call: Call;

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-pipelines-");
  gl = await GitlabDouble.start();
  addPackages(gl, [
    { pkgbase: "zlib" },
    { pkgbase: "libpng", depends: ["zlib"] },
    { pkgbase: "cairo", depends: ["libpng"] },
    { pkgbase: "giflib" },
  ]);
  ({ server, call } = await startInProcess({
    dataDir: join(tmp, "data"),
    repos: join(tmp, "repos"),
    admin: ADMIN,
    now: () => clock,
    env: {
      GITLAB_TOKEN: gl.apiToken,
      GITLAB_DOMAIN: gl.url,
      GITLAB_PACKAGES_GROUP: gl.group,
      GITLAB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RUN_BUILDS_ON_GITLAB: "true",
      BUILDBTW_ORIGIN_FETCH_INTERVAL_MS: "3600000",
      BUILDBTW_GITLAB_SWEEP_INTERVAL_MS: "3600000",
      BUILDBTW_REF_CHECK_INTERVAL_MS: "3600000",
      BUILDBTW_PIPELINE_POLL_INTERVAL_MS: "3600000",
    },
  }));
  // GitLab tells the server about status changes by webhook, as in production (the poll is an hour away).
  gl.addHook({ url: `${server.deps.config.baseUrl}/api/v1/gitlab/webhook`, token: WEBHOOK_SECRET });
});
afterAll(async () => {
  await server?.stop();
  await gl?.close();
  removeDir(tmp);
});

const nodes = async (ns: string): Promise<BuildNode[]> => {
  const { body } = await call<NamespaceDetail>("GET", `/api/v1/namespaces/${ns}`);
  return body.iteration?.architectures.x86_64?.nodes ?? [];
};
const node = async (ns: string, pkgbase: string) => (await nodes(ns)).find((n) => n.pkgbase === pkgbase);
const waitStatus = (ns: string, pkgbase: string, status: string) =>
  waitFor(`${pkgbase} in ${ns} to be ${status}`, async () => {
    const n = await node(ns, pkgbase);
    return n?.status === status ? n : undefined;
  });
/** The newest pipeline for a build, once there is one other than `not`. */
const pipelineFor = (buildId: number, not?: number) =>
  waitFor(`a pipeline for build ${buildId}`, () => {
    const p = gl
      .pipelines()
      .filter((q) => q.variables.some((v) => v.key === V.buildId && v.value === String(buildId)))
      .at(-1);
    return p && p.id !== not ? p : undefined;
  });
const tokenOf = (p: DoublePipeline) => p.variables.find((v) => v.key === V.token)!.value;

async function createNamespace(name: string, origin: string, members: number): Promise<void> {
  // The server learns the packages from GitLab after it starts: until then the origin is unknown (404).
  await waitFor(`namespace ${name}`, async () => {
    const r = await call("POST", "/api/v1/namespaces", { body: { name, origin_changesets: [origin] } });
    if (r.status !== 201 && r.status !== 404)
      throw new Error(`creating ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.status === 201;
  });
  await waitFor(`${name}'s iteration`, async () => (await nodes(name)).length === members);
}

/** What the executor's build stage does: upload every package the build must produce, with the build token. */
async function uploadAll(buildId: number, token: string): Promise<void> {
  const spec = await call<{
    pkgbase: string;
    version: never;
    packages: { pkgname: string; arch: string; file: string }[];
  }>("GET", `/api/v1/pipeline-builds/${buildId}`, { token });
  expect(spec.status).toBe(200);
  for (const p of spec.body.packages) {
    const bytes = buildPackage({
      pkgname: p.pkgname,
      pkgbase: spec.body.pkgbase,
      version: spec.body.version,
      arch: p.arch,
    });
    const put = await call("PUT", `/api/v1/pipeline-builds/${buildId}/files/${encodeURIComponent(p.file)}`, {
      token,
      raw: bytes,
    });
    expect(put.status).toBe(201);
  }
}

describe("pipeline claim", () => {
  test("a pending build is claimed once: one pipeline, the build scheduled at the server's clock", async () => {
    clock = START;
    await createNamespace("png", "zlib/main", 3);
    const zlib = (await waitFor("zlib's pipeline", async () => {
      const n = await node("png", "zlib");
      return n?.pipeline_id ? n : undefined;
    }))!;
    expect(zlib).toMatchObject({ status: "scheduled", attempts: 1, started_at: new Date(START).toISOString() });
    expect(gl.pipelines().filter((p) => p.variables.some((v) => v.value === String(zlib.id)))).toHaveLength(1);
    // Claimed already: claiming it again (a second dispatcher, a repeated wake-up) gets nothing.
    expect(claimPipelineBuild(server.deps, server.deps.gitlab!, zlib.id)).toBeNull();
    // Dependents wait for their dependency, without a pipeline.
    expect(await node("png", "libpng")).toMatchObject({ status: "blocked", pipeline_id: null });
    expect(await node("png", "cairo")).toMatchObject({ status: "blocked", pipeline_id: null });
  });

  test("a build of a cancelled namespace is not claimed; resumed, it gets exactly one new pipeline", async () => {
    await createNamespace("gif", "giflib/main", 1);
    const gif = await waitFor("giflib's pipeline", async () => {
      const n = await node("gif", "giflib");
      return n?.pipeline_id ? n : undefined;
    });
    expect((await call("PATCH", "/api/v1/namespaces/gif", { body: { status: "cancelled" } })).status).toBe(200);
    await waitFor("the pipeline cancelled on GitLab", () => gl.pipeline(gif.pipeline_id!).status === "canceled");
    // Back to pending with no attempt counted, but not claimable while its namespace is cancelled.
    expect(await node("gif", "giflib")).toMatchObject({ status: "pending", attempts: 0 });
    expect(claimPipelineBuild(server.deps, server.deps.gitlab!, gif.id)).toBeNull();
    expect(await node("gif", "giflib")).toMatchObject({ status: "pending", attempts: 0 });

    expect((await call("PATCH", "/api/v1/namespaces/gif", { body: { status: "active" } })).status).toBe(200);
    const again = await pipelineFor(gif.id, gif.pipeline_id!);
    expect(await waitStatus("gif", "giflib", "scheduled")).toMatchObject({ attempts: 1, pipeline_id: again.id });
    expect(gl.pipelines().filter((p) => p.project.endsWith("/giflib"))).toHaveLength(2);
  });
});

describe("pipeline status and failure", () => {
  test("running makes the build building; success with every package uploaded makes it built", async () => {
    const zlib = (await node("png", "zlib"))!;
    const p = gl.pipeline(zlib.pipeline_id!);
    clock = START + 60_000;
    gl.setPipelineStatus(p.id, "running");
    await waitStatus("png", "zlib", "building");
    await uploadAll(zlib.id, tokenOf(p));
    clock = START + 120_000;
    gl.finishPipeline(p.id, "success");
    const built = await waitStatus("png", "zlib", "built");
    expect(built.finished_at).toBe(new Date(START + 120_000).toISOString());
    // The build's token ended with it.
    expect((await call("GET", `/api/v1/pipeline-builds/${zlib.id}`, { token: tokenOf(p) })).status).toBe(409);
  });

  test("a failed pipeline fails the build with GitLab's reason and blocks its dependents", async () => {
    const libpng = (await pipelineFor((await node("png", "libpng"))!.id))!;
    const id = Number(libpng.variables.find((v) => v.key === V.buildId)!.value);
    gl.setPipelineStatus(libpng.id, "running");
    await waitStatus("png", "libpng", "building");
    gl.finishPipeline(libpng.id, "failed", { failureReason: "script_failure" });
    const failed = await waitStatus("png", "libpng", "failed");
    expect(failed.id).toBe(id);
    expect(failed.failure_reason).toContain(`GitLab pipeline ${libpng.id} failed: job build failed (script_failure)`);
    const cairo = (await node("png", "cairo"))!;
    expect(cairo.status).toBe("blocked");
    expect(cairo.pipeline_id).toBeNull();
  });

  test("after a retry the old pipeline is stale: its token is refused and its late result changes nothing", async () => {
    const before = (await node("png", "libpng"))!;
    const old = gl.pipeline(before.pipeline_id!);
    expect((await call("POST", "/api/v1/namespaces/png/retry-node", { body: { pkgbase: "libpng" } })).status).toBe(200);
    const fresh = await pipelineFor(before.id, old.id);
    expect(tokenOf(fresh)).not.toBe(tokenOf(old));
    expect(await node("png", "libpng")).toMatchObject({ status: "scheduled", pipeline_id: fresh.id });
    // The old token may not read or upload for the build any more.
    expect((await call("GET", `/api/v1/pipeline-builds/${before.id}`, { token: tokenOf(old) })).status).toBe(409);
    // The old pipeline reporting success late does not end the new attempt.
    gl.finishPipeline(old.id, "success");
    await gl.deliveriesSettled();
    expect((await node("png", "libpng"))!.status).toBe("scheduled");

    // Success without the packages fails the build, naming what is missing.
    gl.finishPipeline(fresh.id, "success");
    const again = await waitStatus("png", "libpng", "failed");
    expect(again.failure_reason).toContain(`GitLab pipeline ${fresh.id} succeeded, but upload these packages`);
    expect(again.failure_reason).toContain("libpng-1.0.0-2-x86_64.pkg.tar.zst");
  });

  test("the pipeline-build routes map bad callers to 401, 403 and 400 with a sentence", async () => {
    const libpng = (await node("png", "libpng"))!;
    expect((await call("POST", "/api/v1/namespaces/png/retry-node", { body: { pkgbase: "libpng" } })).status).toBe(200);
    const p = await pipelineFor(libpng.id, libpng.pipeline_id!);
    expect((await call("GET", `/api/v1/pipeline-builds/${libpng.id}`, { token: null })).status).toBe(401);
    expect((await call("GET", `/api/v1/pipeline-builds/${libpng.id}`, { token: "bbw_p_not-a-token" })).status).toBe(
      403,
    );
    const zlib = (await node("png", "zlib"))!;
    // A build token is for its own build only.
    expect((await call("GET", `/api/v1/pipeline-builds/${zlib.id}`, { token: tokenOf(p) })).status).toBe(403);
    const evil = await call<{ error: string }>("PUT", `/api/v1/pipeline-builds/${libpng.id}/files/evil.pkg.tar.zst`, {
      token: tokenOf(p),
      raw: "x",
    });
    expect(evil.status).toBe(400);
    expect(evil.body.error).toContain("is not a package this build produces");
  });
});
