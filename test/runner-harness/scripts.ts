// The per-stage bash scripts gitlab-runner generates for a custom executor's run_exec (src/gitlab/README.md, Runner:
// the custom executor), in their essentials: every job variable exported, then the stage's commands. The real runner
// wraps the body in `eval` and adds section markers; the commands and their effects are the same.
import { shellQuote as quote } from "../../src/drivers/process";
import type { JobPayload } from "./job";

const header = (variables: Record<string, string>, cwd?: string): string[] => [
  "#!/usr/bin/env bash",
  "",
  "set -eo pipefail",
  "set +o noclobber",
  ...Object.entries(variables).map(([key, value]) => `export ${key}=${quote(value)}`),
  ...(cwd === undefined ? [] : [`cd ${quote(cwd)}`]),
];

/** The repository's path as the runner derives CI_PROJECT_DIR from it: the URL's path without `.git`. */
export function repoPathOf(repoUrl: string): string {
  const path = /^[a-z]+:\/\//.test(repoUrl) ? new URL(repoUrl).pathname : repoUrl;
  return path.replace(/^\/+/, "").replace(/\.git$/, "");
}

export interface ScriptContext {
  job: JobPayload;
  /** Every variable the job's scripts see (the job's own and the runner's CI_* ones). */
  variables: Record<string, string>;
  projectDir: string;
  cacheDir: string;
  /** Where "uploaded" artifacts land (the runner would send them to GitLab). */
  artifactsDir: string;
}

export function stageScript(stage: string, ctx: ScriptContext): string {
  const lines = body(stage, ctx);
  return `${lines.join("\n")}\n`;
}

function body(stage: string, ctx: ScriptContext): string[] {
  const { job, variables, projectDir } = ctx;
  const git = "git -c advice.detachedHead=false -c init.defaultBranch=main -c protocol.file.allow=always";
  switch (stage) {
    case "prepare_script":
      return [...header(variables), 'echo "Running on $(hostname) via buildbtw runner harness..."'];
    case "get_sources": {
      const depth = job.git_info.depth > 0 ? `--depth ${job.git_info.depth} ` : "";
      return [
        ...header(variables),
        `echo ${quote(`Fetching changes with git depth set to ${job.git_info.depth}...`)}`,
        `mkdir -p ${quote(projectDir)}`,
        `cd ${quote(projectDir)}`,
        `if [ ! -d .git ]; then ${git} init --quiet; ${git} remote add origin "$CI_REPOSITORY_URL"; else ${git} remote set-url origin "$CI_REPOSITORY_URL"; fi`,
        `${git} fetch --quiet --prune ${depth}origin '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'`,
        `echo "Checking out \${CI_COMMIT_SHA:0:8} as detached HEAD (ref is $CI_COMMIT_REF_NAME)..."`,
        `${git} checkout --force --quiet "$CI_COMMIT_SHA"`,
        `${git} clean -ffdx --quiet`,
        'echo "Skipping Git submodules setup"',
      ];
    }
    case "clear_worktree":
      return [
        ...header(variables),
        `if [ -d ${quote(projectDir)}/.git ]; then ${git} -C ${quote(projectDir)} clean -ffdx --quiet; fi`,
      ];
    case "restore_cache":
      return [
        ...header(variables, projectDir),
        `if [ -f ${quote(`${ctx.cacheDir}/cache.tar`)} ]; then echo "Restoring cache"; tar -xf ${quote(`${ctx.cacheDir}/cache.tar`)}; else echo "No cache to restore"; fi`,
      ];
    case "archive_cache":
    case "archive_cache_on_failure": {
      const paths = job.cache.flatMap((c) => c.paths);
      return [
        ...header(variables, projectDir),
        `mkdir -p ${quote(ctx.cacheDir)}`,
        `echo "Creating cache"`,
        `tar -cf ${quote(`${ctx.cacheDir}/cache.tar`)} --ignore-failed-read ${paths.map(quote).join(" ")} 2>/dev/null || true`,
      ];
    }
    case "download_artifacts":
      return [...header(variables, projectDir), 'echo "Downloading artifacts (none in this harness)"'];
    case "upload_artifacts_on_success":
    case "upload_artifacts_on_failure": {
      const paths = job.artifacts.flatMap((a) => a.paths);
      return [
        ...header(variables, projectDir),
        `mkdir -p ${quote(ctx.artifactsDir)}`,
        'echo "Uploading artifacts..."',
        ...paths.map((p) => `cp -r -- ${quote(p)} ${quote(ctx.artifactsDir)}/`),
      ];
    }
    case "build_script":
    case "after_script": {
      const steps = job.steps.filter((s) =>
        stage === "build_script" ? s.name === "script" : s.name === "after_script",
      );
      return [
        ...header(variables, projectDir),
        ...steps.flatMap((s) => s.script.flatMap((line) => [`echo ${quote(`$ ${line}`)}`, line])),
      ];
    }
    case "cleanup_file_variables":
      return [...header(variables), `rm -rf -- ${quote(`${projectDir}.tmp`)}`];
    default:
      throw new Error(`the harness generates no script for stage ${stage}`);
  }
}
