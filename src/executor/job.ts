// The job, as gitlab-runner hands it to the executor: every job variable as CUSTOM_ENV_<KEY> (src/gitlab/README.md,
// Runner: the custom executor). They come from GitLab and from whoever created the pipeline, so each one that reaches a
// path, a URL or a command line is checked here first; a bad one fails the job (a build failure: retrying cannot help).
import { join } from "node:path";
import { PIPELINE_VARIABLES } from "../api/routes";
import type { Env } from "../config/env";
import type { ExecutorPaths } from "../config/executor";
import { InvalidName, parseArch, parseCommitId, parseNamespaceName, parsePkgbase } from "../core/names";
import { parsePackageFileName } from "../core/package-file";
import { PathEscape, pathInside } from "../lib/paths";
import { BuildFailure } from "./failures";

const PREFIX = "CUSTOM_ENV_";

/** One job variable as the job set it, or undefined when it is unset or empty. */
export const jobVariable = (env: Env, key: string): string | undefined => {
  const value = env[`${PREFIX}${key}`];
  return value === undefined || value === "" ? undefined : value;
};

function required(env: Env, key: string, what: string): string {
  const value = jobVariable(env, key);
  if (value === undefined)
    throw new BuildFailure(`the job variable ${key} (${what}) is not set; is this a pipeline buildbtw created?`);
  return value;
}

function checked<T>(env: Env, key: string, what: string, check: (v: string) => T): T {
  const value = required(env, key, what);
  try {
    return check(value);
  } catch (error) {
    if (error instanceof InvalidName || error instanceof BuildFailure)
      throw new BuildFailure(`the job variable ${key} is refused: ${error.message}`);
    throw error;
  }
}

const matching = (re: RegExp, what: string) => (value: string) => {
  if (!re.test(value)) throw new BuildFailure(`${JSON.stringify(value)} is not ${what}`);
  return value;
};

/** The runner's identity of a job on this host: enough to name its directories, checked to stay inside them. */
export interface JobSlot {
  /** CI_JOB_ID: unique per GitLab instance; names the job's state directory. */
  jobId: string;
  /** CI_CONCURRENT_PROJECT_ID: the job's slot among concurrent jobs of its project on this runner. */
  concurrentProjectId: string;
  /** CI_PROJECT_PATH_SLUG: the project path, lower-cased, `[a-z0-9-]`, at most 63 bytes. */
  projectPathSlug: string;
}

export function jobSlot(env: Env): JobSlot {
  return {
    jobId: checked(env, "CI_JOB_ID", "the job's id", matching(/^[0-9]{1,20}$/, "a job id")),
    concurrentProjectId: checked(
      env,
      "CI_CONCURRENT_PROJECT_ID",
      "the job's concurrency slot",
      matching(/^[0-9]{1,6}$/, "a concurrency slot number"),
    ),
    projectPathSlug: checked(
      env,
      "CI_PROJECT_PATH_SLUG",
      "the project's path slug",
      matching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "a project path slug"),
    ),
  };
}

/** The job id alone, for cleanup: it must work even when the other variables are missing. */
export function jobIdOf(env: Env): string | undefined {
  const id = jobVariable(env, "CI_JOB_ID");
  return id !== undefined && /^[0-9]{1,20}$/.test(id) ? id : undefined;
}

/** Per-job state (work and output directories, the VM's build script): removed by cleanup. */
export const jobDir = (paths: ExecutorPaths, jobId: string): string => pathInside(paths.dir, "jobs", jobId);
export const jobsRoot = (paths: ExecutorPaths): string => join(paths.dir, "jobs");

/** The runner clones the job's sources below this (builds_dir), one directory per project and slot. */
export const buildsDir = (paths: ExecutorPaths, slot: JobSlot): string =>
  pathInside(paths.dir, "builds", slot.concurrentProjectId, slot.projectPathSlug);
export const cacheDir = (paths: ExecutorPaths, slot: JobSlot): string =>
  pathInside(paths.dir, "cache", slot.concurrentProjectId, slot.projectPathSlug);

/**
 * CI_PROJECT_DIR, where get_sources checked out the job's sources: it must lie inside this job's builds
 * directory, or the job is pointing the build at someone else's files.
 */
export function projectDir(env: Env, paths: ExecutorPaths, slot: JobSlot): string {
  const dir = required(env, "CI_PROJECT_DIR", "where the runner checked out the sources");
  const root = buildsDir(paths, slot);
  try {
    const inside = pathInside(root, dir);
    if (inside !== dir.replace(/\/+$/, ""))
      throw new PathEscape(`${JSON.stringify(dir)} is not a clean absolute path under ${root}`);
    return inside;
  } catch (error) {
    if (error instanceof PathEscape)
      throw new BuildFailure(`the job variable CI_PROJECT_DIR is refused: ${error.message}`);
    throw error;
  }
}

/** What buildbtw put into the pipeline's variables (api/routes.ts PIPELINE_VARIABLES): which node this job builds. */
export interface BuildJob {
  buildId: number;
  /** The per-build token: it lets this job upload to and report on its own build, nothing else. */
  token: string;
  namespace: string;
  iteration: number;
  arch: string;
  pkgbase: string;
  /** The node's commit: what must be built, even when the pipeline's branch has moved on. */
  commit: string;
  /** The package files the server expects. */
  expectedFiles: string[];
}

const V = PIPELINE_VARIABLES;

export function buildJob(env: Env): BuildJob {
  return {
    buildId: checked(env, V.buildId, "the build's id", positiveInteger("a build id")),
    token: checked(env, V.token, "the build's upload token", matching(/^[\x21-\x7e]{1,512}$/, "a token")),
    namespace: checked(env, V.namespace, "the namespace", parseNamespaceName),
    iteration: checked(env, V.iteration, "the iteration", positiveInteger("an iteration id")),
    arch: checked(env, V.arch, "the architecture", parseArch),
    pkgbase: checked(env, V.pkgbase, "the pkgbase", parsePkgbase),
    commit: checked(env, V.commit, "the commit to build", parseCommitId),
    expectedFiles: checked(env, V.expectedFiles, "the package files to upload", packageFileList),
  };
}

const positiveInteger = (what: string) => (value: string) => {
  if (!/^[1-9][0-9]{0,15}$/.test(value)) throw new BuildFailure(`${JSON.stringify(value)} is not ${what}`);
  return Number(value);
};

/** Package file names: each must be a package file name and a single path component. */
function packageFileList(value: string): string[] {
  const files = value.split(/[\s,]+/).filter((f) => f !== "");
  if (files.length === 0) throw new BuildFailure("it names no package file");
  for (const file of files) {
    if (file.includes("/") || parsePackageFileName(file) === null)
      throw new BuildFailure(`${JSON.stringify(file)} is not a package file name`);
  }
  return files;
}
