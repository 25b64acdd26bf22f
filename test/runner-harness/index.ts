// The runner harness: plays gitlab-runner for `buildbtw executor` (src/gitlab/README.md, Runner: the custom executor).
//
//   const runner = executorRunner({ dir, serverUrl, token, isolation: "none" });
//   const job = pipelineJob({ jobId, pipelineId, projectId, projectPath, repoUrl, ref, sha, variables });
//   const result = await runJob(runner, job);   // config → prepare (×3) → run per stage → cleanup
//   result.status / result.failureReason / result.exitCode / result.log / result.calls
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PIPELINE_VARIABLES, repoPath } from "../../src/api/routes";
import type { PipelineBuild } from "../../src/api/schemas";
import { buildSpec } from "../../src/core/build-spec";
import { parseSrcinfo } from "../../src/core/srcinfo";
import { cliCommand } from "../support/cli";
import { pipelineJob } from "./job";
import type { RunnerConfig } from "./runner";

export { type RunnerLoop, runPipelinesOf } from "./gitlab-runner";
export { type JobPayload, pathSlug, pipelineJob } from "./job";
export { type DriverCall, type JobResult, type RunnerConfig, runJob, runnerDir } from "./runner";
export { repoPathOf, stageScript } from "./scripts";
export { type StandInServer, startStandInServer } from "./stand-in-server";

export interface ExecutorRunnerOptions {
  /** BUILDBTW_EXECUTOR_DIR. */
  dir: string;
  serverUrl: string;
  /** The runner's BUILDBTW_TOKEN. */
  token: string;
  isolation?: string;
  /** More of the runner process's environment (PATH for stand-ins, BUILDBTW_BUILD_USER, …). */
  env?: Record<string, string>;
  /** config.toml `[[runners]] environment` instead of the process environment for the settings. */
  viaRunnersEnvironment?: boolean;
  prepareRetryDelayMs?: number;
  tmpRoot?: string;
}

/** A runner whose custom executor is the real `buildbtw executor`, configured as the README says. */
export function executorRunner(o: ExecutorRunnerOptions): RunnerConfig {
  const executor = [...cliCommand(), "executor"];
  const settings: Record<string, string> = {
    SERVER_URL: o.serverUrl,
    BUILDBTW_TOKEN: o.token,
    BUILDBTW_EXECUTOR_DIR: o.dir,
    BUILDBTW_EXECUTOR_SERVER_ATTEMPTS: "3",
    ...(o.isolation ? { BUILDBTW_EXECUTOR_ISOLATION: o.isolation } : {}),
  };
  return {
    configExec: [...executor, "config"],
    prepareExec: [...executor, "prepare"],
    runExec: [...executor, "run"],
    cleanupExec: [...executor, "cleanup"],
    processEnv: { ...(o.viaRunnersEnvironment ? {} : settings), ...o.env },
    environment: o.viaRunnersEnvironment ? settings : {},
    prepareRetryDelayMs: o.prepareRetryDelayMs,
    tmpRoot: o.tmpRoot,
    gracefulKillMs: 5000,
  };
}

export interface NodeOfPipeline {
  buildId: number;
  namespace: string;
  iteration: number;
  arch: string;
  pkgbase: string;
  commit: string;
  pipelineId: number;
}

/** What the server answers GET pipeline-builds/:id with, for a package whose .SRCINFO text is given. */
export function pipelineBuildOf(node: NodeOfPipeline, srcinfoText: string, serverUrl: string): PipelineBuild {
  const spec = buildSpec(parseSrcinfo(srcinfoText), node.arch);
  return {
    build_id: node.buildId,
    namespace: node.namespace,
    iteration: node.iteration,
    arch: node.arch,
    pkgbase: node.pkgbase,
    commit: node.commit,
    source_url: `http://gitlab.test/archlinux/packaging/packages/${node.pkgbase}.git`,
    version: spec.version,
    bump: spec.bump ?? null,
    packages: spec.packages,
    expected_files: spec.packages.map((p) => p.file),
    optional_files: [],
    repository: {
      name: `buildbtw-${node.namespace}`,
      url: `${serverUrl}${repoPath(node.namespace, node.iteration, node.arch)}`,
    },
    attempt: 1,
    pipeline_id: node.pipelineId,
    pipeline_url: `http://gitlab.test/archlinux/packaging/packages/${node.pkgbase}/-/pipelines/${node.pipelineId}`,
  };
}

/** The variables the server gives the node's pipeline (api/routes.ts PIPELINE_VARIABLES). */
export function pipelineVariablesOf(build: PipelineBuild, token: string, serverUrl: string): Record<string, string> {
  const V = PIPELINE_VARIABLES;
  return {
    [V.serverUrl]: serverUrl,
    [V.buildId]: String(build.build_id),
    [V.token]: token,
    [V.namespace]: build.namespace,
    [V.iteration]: String(build.iteration),
    [V.arch]: build.arch,
    [V.pkgbase]: build.pkgbase,
    [V.commit]: build.commit,
    [V.expectedFiles]: build.expected_files.join(" "),
    [V.repositoryUrl]: build.repository.url,
  };
}

/** The job's state directory the executor keeps under BUILDBTW_EXECUTOR_DIR. */
export const executorJobDir = (dir: string, jobId: number) => join(dir, "jobs", String(jobId));

export interface CaseOptions {
  server: { url: string; add(build: PipelineBuild, token: string): void };
  /** Where the package's repository lives (get_sources clones it from there over file://). */
  repoDir: string;
  pkgbase: string;
  srcinfo: string;
  /** The node's commit (BUILDBTW_COMMIT). */
  commit: string;
  /** The pipeline's commit (CI_COMMIT_SHA, the branch tip when it was created; default the node's). */
  sha?: string;
  id: number;
  /** Parent of the executor directory. */
  root: string;
  variables?: Record<string, string>;
  script?: string[];
  afterScript?: string[];
}

/** One node of a namespace, known to `server`, and the job of its pipeline; with a fresh executor directory. */
export function executorCase(o: CaseOptions) {
  const dir = join(o.root, `executor-${o.id}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const build = pipelineBuildOf(
    {
      buildId: o.id,
      namespace: o.pkgbase,
      iteration: 1,
      arch: "x86_64",
      pkgbase: o.pkgbase,
      commit: o.commit,
      pipelineId: o.id,
    },
    o.srcinfo,
    o.server.url,
  );
  const token = `build-token-${o.id}`;
  o.server.add(build, token);
  const job = pipelineJob({
    jobId: o.id,
    pipelineId: o.id,
    projectId: 1,
    projectPath: `archlinux/packaging/packages/${o.pkgbase}`,
    repoUrl: `file://${o.repoDir}`,
    ref: "main",
    sha: o.sha ?? o.commit,
    variables: { ...pipelineVariablesOf(build, token, o.server.url), ...o.variables },
    script: o.script,
    afterScript: o.afterScript,
  });
  return { id: o.id, dir, build, token, job };
}
