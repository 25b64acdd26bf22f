// `buildbtw executor config|prepare|run|cleanup`: gitlab-runner's custom executor (src/gitlab/README.md, Runner: the
// custom executor), the composition root of executor mode. Settings come from the runner's environment through
// config/executor.ts, the job from its CUSTOM_ENV_* variables; every failure leaves as BUILD_FAILURE_EXIT_CODE or
// SYSTEM_FAILURE_EXIT_CODE.
import { existsSync, readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { loadExecutorConfig, loadExecutorPaths } from "../config/executor";
import { messageOf } from "../core/errors";
import { createMakepkgDriver } from "../drivers/makepkg";
import { buildHere, HereBuild } from "../executor/build-here";
import { buildStage } from "../executor/build-stage";
import { cleanupStage } from "../executor/cleanup-stage";
import { configStage } from "../executor/config-stage";
import {
  BuildFailure,
  classify,
  exitCodeFor,
  type FailureCodes,
  failureCodes,
  SystemFailure,
} from "../executor/failures";
import { prepareStage } from "../executor/prepare-stage";
import { runStage } from "../executor/run-stage";

const say = (line: string) => process.stdout.write(`${line}\n`);

/** How to start this binary again: the compiled binary alone, or bun and the entry script. */
function selfCommand(): string[] {
  const main = Bun.main;
  return main.startsWith("/$bunfs/") || !existsSync(main) ? [process.execPath] : [process.execPath, main];
}

/**
 * Run one stage: its errors become the runner's exit codes, with one sentence on stderr (the job log).
 * SIGTERM (the runner cancelling the job or its time running out) stops the stage's children; a second one
 * exits at once.
 */
async function stage(body: (signal: AbortSignal) => Promise<void>): Promise<void> {
  let codes: FailureCodes = { build: 1, system: 2 };
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(codes.system);
    process.stderr.write("buildbtw executor: stopping: the runner ended the job\n");
    stop.abort(new SystemFailure("the runner ended the job"));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    codes = failureCodes(process.env);
    await body(stop.signal);
    process.exitCode = 0;
  } catch (error) {
    const outcome = classify(error);
    if (outcome.kind !== "ok") process.stderr.write(`buildbtw executor: ${outcome.message}\n`);
    process.exitCode = exitCodeFor(outcome, codes);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

const driver = (buildUser: string) => createMakepkgDriver({ buildUser });

const config = defineCommand({
  meta: {
    name: "config",
    description:
      "Print the runner's JSON: builds and cache directories per concurrent project slot under BUILDBTW_EXECUTOR_DIR",
  },
  run: () =>
    stage(async () => {
      const runner = configStage(loadExecutorConfig(process.env), process.env);
      process.stdout.write(`${JSON.stringify(runner)}\n`);
    }),
});

const prepare = defineCommand({
  meta: {
    name: "prepare",
    description: "Check the settings and the job, make sure the server still wants this build, and ready the isolation",
  },
  run: () => stage((signal) => prepareStage(loadExecutorConfig(process.env), process.env, { say, signal })),
});

const run = defineCommand({
  meta: {
    name: "run",
    description:
      "Run one stage: the runner's own scripts (sources, caches, artifacts) on the host; build_script builds in the isolation, uploads and reports",
  },
  args: {
    script: { type: "positional", required: true, description: "The stage's script, written by gitlab-runner" },
    stage: { type: "positional", required: true, description: "The stage's name, e.g. get_sources or build_script" },
  },
  run: ({ args }) =>
    stage((signal) =>
      runStage(process.env, args.script, args.stage, {
        say,
        build: (env) => buildStage(loadExecutorConfig(env), env, { driver, self: selfCommand(), say, signal }),
      }),
    ),
});

const cleanup = defineCommand({
  meta: {
    name: "cleanup",
    description: "Remove what prepare and run left for this job (and leftovers of jobs never cleaned); never fails",
  },
  run: async () => {
    let paths: Parameters<typeof cleanupStage>[0];
    try {
      paths = loadExecutorPaths(process.env);
    } catch (error) {
      paths = { problem: messageOf(error) };
    }
    const report = await cleanupStage(paths, process.env);
    for (const dir of report.removed) say(`buildbtw: removed ${dir}`);
    for (const problem of report.problems) process.stderr.write(`buildbtw executor: cleanup: ${problem}\n`);
    process.exitCode = 0;
  },
});

const build = defineCommand({
  meta: {
    name: "build",
    description:
      "Build one job file's package here with makepkg (what {command} runs inside an isolation command template)",
  },
  args: { job: { type: "positional", required: true, description: "The job file build_script wrote" } },
  run: ({ args }) =>
    stage(async (signal) => {
      let text: string;
      try {
        text = readFileSync(args.job, "utf8");
      } catch (error) {
        throw new SystemFailure(`cannot read the job file ${args.job}: ${(error as Error).message}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new SystemFailure(`${args.job} is not JSON`);
      }
      const parsed = HereBuild.safeParse(json);
      if (!parsed.success) throw new SystemFailure(`${args.job} is not a buildbtw job file`);
      const files = await buildHere(parsed.data, driver(parsed.data.build_user), {
        log: (chunk) => process.stdout.write(chunk),
        signal,
      });
      if (files.length === 0) throw new BuildFailure("the build produced no package");
    }),
});

export default defineCommand({
  meta: {
    name: "executor",
    description:
      "GitLab Runner custom executor: config, prepare, run SCRIPT STAGE, cleanup. Settings from the runner's environment: " +
      "SERVER_URL, BUILDBTW_TOKEN, BUILDBTW_EXECUTOR_ISOLATION (vmexec, none, or a command template such as " +
      '"systemd-run --scope -- {command}"), BUILDBTW_EXECUTOR_DIR (/srv/buildbtw/gitlab); the job from CUSTOM_ENV_*.',
  },
  subCommands: { config, prepare, run, cleanup, build },
});
