// Plays gitlab-runner for a custom executor, following src/gitlab/README.md, Runner: the custom executor: per
// preparation attempt a fresh custom-executor temp dir with response.json, config_exec (stdout parsed as JSON,
// builds/cache dirs and job_env taken from it), prepare_exec; up to 3 attempts 3 s apart, cleanup_exec after
// each failed one, no retry after a build failure; then run_exec once per stage in the runner's order with a
// new script file each, the "if needed" stages only when the job needs them; cleanup_exec at the end whatever
// happened, its exit status ignored; exit codes mapped to the job's status and failure_reason.
// Every driver call is its own process group; a timeout or cancel sends SIGTERM to the group, then SIGKILL.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobPayload } from "./job";
import { repoPathOf, stageScript } from "./scripts";

export interface RunnerConfig {
  /** config.toml `[runners.custom]`: each executable with its arguments. run_exec is required. */
  configExec?: string[];
  prepareExec?: string[];
  runExec: string[];
  cleanupExec?: string[];
  /** `[[runners]] builds_dir` / `cache_dir`, used when config_exec does not set them. */
  buildsDir?: string;
  cacheDir?: string;
  /** The runner process's own environment (e.g. systemd Environment=), passed through to every driver call. */
  processEnv?: Record<string, string>;
  /** `[[runners]] environment`: reaches the driver as CUSTOM_ENV_<NAME>, like a job variable. */
  environment?: Record<string, string>;
  /** Timeouts (defaults as the runner's: 3600 s each; graceful 600 s; force 10 s). */
  configTimeoutMs?: number;
  prepareTimeoutMs?: number;
  cleanupTimeoutMs?: number;
  gracefulKillMs?: number;
  forceKillMs?: number;
  /** Between preparation attempts (the runner's 3 s). */
  prepareRetryDelayMs?: number;
  /** Parent of the custom-executor temp dirs (default the system's). */
  tmpRoot?: string;
  /** CI_CONCURRENT_ID / CI_CONCURRENT_PROJECT_ID of this job on "this runner" (default 0). */
  concurrentId?: number;
  concurrentProjectId?: number;
}

export type DriverStage = "config" | "prepare" | "run" | "cleanup";

export interface DriverCall {
  stage: DriverStage;
  /** For run_exec: the stage name argument. */
  runStage?: string;
  attempt: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The script file's content (run_exec only), as written. */
  script?: string;
  exitCode: number | null;
  /** Set when the harness had to kill it. */
  killed?: "timeout" | "cancel";
  stdout: string;
  stderr: string;
  /** Wall time of the call. */
  ms: number;
}

export type FailureReason =
  | "script_failure"
  | "runner_system_failure"
  | "job_execution_timeout"
  | "runner_configuration_error";

export interface JobResult {
  status: "success" | "failed" | "canceled";
  failureReason: FailureReason | null;
  /** The job's exit code as the runner reports it (BUILD_EXIT_CODE_FILE), for script failures. */
  exitCode: number | null;
  /** What GitLab's job log would show: prepare/run output and config's stderr, with the runner's own lines. */
  log: string;
  /** What the runner's own log would show (cleanup's output, warnings). */
  runnerLog: string;
  calls: DriverCall[];
  /** Preparation attempts made. */
  attempts: number;
  /** What config_exec answered (the last attempt's). */
  config: Record<string, unknown> | null;
}

const BUILD_FAILURE = 1;
const SYSTEM_FAILURE = 2;

class StageFailed extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly exitCode: number | null,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Run one job through the custom executor. `cancel` aborts it like GitLab's cancel button. */
export async function runJob(runner: RunnerConfig, job: JobPayload, cancel?: AbortSignal): Promise<JobResult> {
  const calls: DriverCall[] = [];
  let log = "";
  let runnerLog = "";
  const say = (line: string) => {
    log += `${line}\n`;
  };
  const tmpRoot = runner.tmpRoot ?? tmpdir();
  const jobDeadline = Date.now() + job.runner_info.timeout * 1000;
  const jobVariables = Object.fromEntries(job.variables.map((v) => [v.key, v.value]));
  const repoPath = repoPathOf(job.git_info.repo_url);

  say(`Running with buildbtw runner harness (gitlab-runner custom executor protocol)`);
  let attempt = 0;
  let prepared: Prepared | null = null;
  let failure: StageFailed | null = null;

  for (attempt = 1; attempt <= 3; attempt++) {
    const tmp = mkdtempSync(join(tmpRoot, "custom-executor"));
    const responseFile = join(tmp, "response.json");
    writeFileSync(responseFile, JSON.stringify(job), { mode: 0o600 });
    const base: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...runner.processEnv,
      TMPDIR: tmp,
      BUILD_FAILURE_EXIT_CODE: String(BUILD_FAILURE),
      SYSTEM_FAILURE_EXIT_CODE: String(SYSTEM_FAILURE),
      BUILD_EXIT_CODE_FILE: join(tmp, "build_exit_code"),
      JOB_RESPONSE_FILE: responseFile,
    };
    // Cleanup after a failed config still gets the job's variables, with no build directories yet.
    const ctx: Instance = {
      tmp,
      base,
      jobEnv: {},
      attempt,
      custom: customEnv({ CI_BUILDS_DIR: "", CI_PROJECT_DIR: "" }),
    };
    try {
      prepared = await prepare(ctx);
      break;
    } catch (error) {
      if (!(error instanceof StageFailed)) throw error;
      failure = error;
      say(`ERROR: Preparation failed: ${error.message}`);
      await cleanup(ctx);
      if (!error.retryable || attempt === 3 || cancel?.aborted) break;
      say("Will be retried in 3s ...");
      await Bun.sleep(runner.prepareRetryDelayMs ?? 3000);
    }
  }

  let result: JobResult;
  if (prepared === null) {
    const f = failure as StageFailed;
    result = finish("failed", f.reason, f.exitCode, null);
  } else {
    const f = await runStages(prepared);
    await cleanup(prepared.ctx);
    if (cancel?.aborted) result = finish("canceled", null, null, prepared.config);
    else if (f) result = finish("failed", f.reason, f.exitCode, prepared.config);
    else result = finish("success", null, null, prepared.config);
  }
  return result;

  function finish(
    status: JobResult["status"],
    reason: FailureReason | null,
    exitCode: number | null,
    config: Record<string, unknown> | null,
  ): JobResult {
    if (status === "success") say("Job succeeded");
    else if (status === "canceled") say("ERROR: Job failed: canceled");
    else
      say(
        `ERROR: Job failed${reason === "runner_system_failure" ? " (system failure)" : ""}: ${failure?.message ?? reason}`,
      );
    return { status, failureReason: reason, exitCode, log, runnerLog, calls, attempts: Math.min(attempt, 3), config };
  }

  interface Instance {
    tmp: string;
    base: Record<string, string>;
    /** config_exec's job_env. */
    jobEnv: Record<string, string>;
    attempt: number;
    /** CUSTOM_ENV_ entries: the runner's `environment`, the job's variables, the runner-computed ones. */
    custom: Record<string, string>;
  }
  interface Prepared {
    ctx: Instance;
    config: Record<string, unknown>;
    projectDir: string;
    cacheDir: string;
    variables: Record<string, string>;
  }

  function customEnv(extra: Record<string, string>): Record<string, string> {
    const all: Record<string, string> = {
      ...runner.environment,
      ...jobVariables,
      CI_SERVER: "yes",
      CI_SHARED_ENVIRONMENT: "true",
      CI_JOB_STATUS: "running",
      CI_JOB_TIMEOUT: String(job.runner_info.timeout),
      CI_RUNNER_VERSION: "19.4.0",
      CI_CONCURRENT_ID: String(runner.concurrentId ?? 0),
      CI_CONCURRENT_PROJECT_ID: String(runner.concurrentProjectId ?? 0),
      CI_JOB_SERVICES: "",
      ...extra,
    };
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [`CUSTOM_ENV_${k}`, v]));
  }

  async function prepare(ctx: Instance): Promise<Prepared> {
    let config: Record<string, unknown> = {};
    if (runner.configExec) {
      const env = { ...ctx.base, ...customEnv({ CI_BUILDS_DIR: "", CI_PROJECT_DIR: "" }) };
      const call = await spawn("config", runner.configExec, env, ctx, runner.configTimeoutMs ?? 3_600_000);
      log += call.stderr;
      failOn(call, "config_exec");
      const text = call.stdout.trim();
      if (text !== "") {
        try {
          config = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw new StageFailed("runner_system_failure", null, "error while parsing JSON output", true);
        }
      }
      ctx.jobEnv = (config.job_env as Record<string, string> | undefined) ?? {};
      if (config.driver && typeof config.driver === "object") {
        const d = config.driver as { name?: string; version?: string };
        say(`Using Custom executor with driver ${d.name ?? ""} ${d.version ?? ""}...`);
      }
    }
    const buildsDir = (config.builds_dir as string | undefined) ?? runner.buildsDir;
    const cacheDir = (config.cache_dir as string | undefined) ?? runner.cacheDir;
    if (!buildsDir || !cacheDir)
      throw new StageFailed("runner_configuration_error", null, "the builds_dir is not configured", false);
    const projectDir = join(buildsDir, repoPath);
    const variables = {
      ...runner.environment,
      ...jobVariables,
      CI_BUILDS_DIR: buildsDir,
      CI_PROJECT_DIR: projectDir,
      CI_SERVER: "yes",
      CI_JOB_STATUS: "running",
    };
    ctx.custom = customEnv({ CI_BUILDS_DIR: buildsDir, CI_PROJECT_DIR: projectDir });
    if (runner.prepareExec) {
      const call = await spawn(
        "prepare",
        runner.prepareExec,
        driverEnv(ctx),
        ctx,
        runner.prepareTimeoutMs ?? 3_600_000,
      );
      log += call.stdout + call.stderr;
      failOn(call, "prepare_exec");
    }
    return { ctx, config, projectDir, cacheDir, variables };
  }

  function driverEnv(ctx: Instance): Record<string, string> {
    return { ...ctx.base, ...ctx.jobEnv, ...ctx.custom };
  }

  /** Stages of src/gitlab/README.md, Runner, in order in order; returns the failure that decides the job, if any. */
  async function runStages(p: Prepared): Promise<StageFailed | null> {
    const run = async (stage: string): Promise<StageFailed | null> => {
      if (cancel?.aborted) return new StageFailed("script_failure", null, "canceled", false);
      const dir = mkdtempSync(join(p.ctx.tmp, "script"));
      const script = join(dir, "script");
      const text = stageScript(stage, {
        job,
        variables: p.variables,
        projectDir: p.projectDir,
        cacheDir: p.cacheDir,
        artifactsDir: join(p.ctx.tmp, "artifacts"),
      });
      writeFileSync(script, text);
      chmodSync(script, 0o700);
      const left = jobDeadline - Date.now();
      const call = await spawn(
        "run",
        [...runner.runExec, script, stage],
        driverEnv(p.ctx),
        p.ctx,
        Math.max(left, 1),
        stage,
        text,
      );
      log += call.stdout + call.stderr;
      try {
        failOn(call, `run_exec ${stage}`);
        return null;
      } catch (error) {
        if (error instanceof StageFailed) return error;
        throw error;
      }
    };

    let failed = await run("prepare_script");
    if (failed) {
      failure = failed;
      return failed;
    }
    const attempts = Math.min(10, Math.max(1, Number(jobVariables.GET_SOURCES_ATTEMPTS ?? 1)));
    for (let i = 1; i <= attempts; i++) {
      if (i > 1) await run("clear_worktree");
      failed = await run("get_sources");
      if (!failed) break;
    }
    if (!failed && job.cache.length > 0) failed = await run("restore_cache");
    if (!failed && job.dependencies.length > 0) failed = await run("download_artifacts");
    const sourcesFailed = failed !== null;
    if (!sourcesFailed) {
      failed = await run("build_script");
      if (job.steps.some((s) => s.name === "after_script")) {
        const after = await run("after_script");
        if (after) runnerLog += `WARNING: after_script failed, but job will continue unaffected: ${after.message}\n`;
      }
    }
    if (job.cache.length > 0) await run(failed ? "archive_cache_on_failure" : "archive_cache");
    const when = failed ? "on_failure" : "on_success";
    if (job.artifacts.some((a) => a.when === when || a.when === "always")) {
      const upload = await run(failed ? "upload_artifacts_on_failure" : "upload_artifacts_on_success");
      failed ??= upload;
    }
    const cleanupVars = await run("cleanup_file_variables");
    if (cleanupVars) runnerLog += `WARNING: cleanup_file_variables failed: ${cleanupVars.message}\n`;
    if (failed) failure = failed;
    return failed;
  }

  async function cleanup(ctx: Instance): Promise<void> {
    if (runner.cleanupExec) {
      const call = await spawn(
        "cleanup",
        runner.cleanupExec,
        driverEnv(ctx),
        ctx,
        runner.cleanupTimeoutMs ?? 3_600_000,
        undefined,
        undefined,
        true,
      );
      runnerLog += call.stdout + call.stderr;
      if (call.exitCode !== 0) runnerLog += `WARNING: Cleanup script failed: exit code ${call.exitCode}\n`;
    }
    rmSync(ctx.tmp, { recursive: true, force: true });
  }

  /**
   * The runner's reading of a driver's exit (src/gitlab/README.md, Runner: exit codes); throws StageFailed for anything
   * but 0.
   */
  function failOn(call: DriverCall, what: string): void {
    if (call.killed === "timeout")
      throw new StageFailed("job_execution_timeout", null, `${what} timed out`, call.stage !== "run");
    if (call.exitCode === 0) return;
    if (call.exitCode === BUILD_FAILURE) {
      const code = readExitCode(join(call.cwd, "build_exit_code"));
      throw new StageFailed("script_failure", code, `exit code ${code ?? 1}`, false);
    }
    if (call.exitCode === SYSTEM_FAILURE)
      throw new StageFailed("runner_system_failure", null, `${what} exited with the system failure code`, true);
    throw new StageFailed(
      "runner_system_failure",
      null,
      `unknown Custom executor executable exit code ${call.exitCode ?? -1}`,
      true,
    );
  }

  async function spawn(
    stage: DriverStage,
    argv: string[],
    env: Record<string, string>,
    ctx: Instance,
    timeoutMs: number,
    runStage?: string,
    script?: string,
    /** cleanup_exec runs with a fresh context: a cancelled job still gets its cleanup. */
    ignoreCancel = false,
  ): Promise<DriverCall> {
    const started = performance.now();
    const proc = Bun.spawn(argv, {
      cwd: ctx.tmp,
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
    let killed: DriverCall["killed"];
    const killGroup = (why: "timeout" | "cancel") => {
      if (killed) return;
      killed = why;
      signalGroup(proc.pid, "SIGTERM");
      setTimeout(() => signalGroup(proc.pid, "SIGKILL"), runner.gracefulKillMs ?? 600_000).unref();
    };
    const timer = setTimeout(() => killGroup("timeout"), timeoutMs);
    const onCancel = () => killGroup("cancel");
    if (!ignoreCancel) cancel?.addEventListener("abort", onCancel);
    const [stdout, stderr] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    clearTimeout(timer);
    cancel?.removeEventListener("abort", onCancel);
    const call: DriverCall = {
      stage,
      runStage,
      attempt: ctx.attempt,
      argv,
      env,
      cwd: ctx.tmp,
      script,
      exitCode: proc.signalCode ? null : proc.exitCode,
      killed,
      stdout,
      stderr,
      ms: Math.round(performance.now() - started),
    };
    calls.push(call);
    return call;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/**
 * The runner reads the first line of BUILD_EXIT_CODE_FILE as the job's exit code (src/gitlab/README.md, Runner: exit
 * codes).
 */
function readExitCode(file: string): number | null {
  try {
    const first = readFileSync(file, "utf8").split("\n")[0]?.trim() ?? "";
    return /^-?[0-9]+$/.test(first) ? Number(first) : null;
  } catch {
    return 1;
  }
}

/** A directory for a runner's builds, creating it (mode 0755, so a build user can traverse it). */
export function runnerDir(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}
