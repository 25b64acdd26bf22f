// `buildbtw executor config|prepare|run|cleanup` settings (GitLab Runner's custom executor; README.md, Settings):
// environment → default, with no flags and no .env, since the runner starts every stage in a fresh temporary
// directory and its configuration is the one place to configure it.
//
// gitlab-runner passes its own process environment through to the executor (a systemd unit's Environment=, say),
// but the entries of config.toml's `[[runners]] environment` reach it only as CUSTOM_ENV_<NAME>, mixed with the
// job's variables (src/gitlab/README.md, Runner: the custom executor). A job must not choose its own isolation or
// server, so a CUSTOM_ENV_ setting counts only when the job payload the runner received (JOB_RESPONSE_FILE) did not
// carry that variable: then it came from the runner's configuration.
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { Invalid } from "../core/errors";
import { type CommandTemplate, parseTemplate, TemplateError } from "../executor/template";
import { type Env, parseSettings, pick } from "./env";

/** How builds are isolated from the runner host. */
export type Isolation =
  /** A throwaway Arch VM per build (vmexec): sources mounted read-only, the output directory mounted. */
  | { kind: "vmexec" }
  /** Directly on the host with the makepkg driver: for tests and trusted setups. */
  | { kind: "none" }
  /** A configured command line, e.g. a container or sandbox wrapping `{command}`. */
  | { kind: "template"; template: CommandTemplate };

export interface VmexecSettings {
  /** The VM image vmexec runs (`vmexec run IMAGE`). */
  image: string;
  /** `--pmem` of the VM: a persistent memory disk for build chroots, `PATH:GiB`. */
  pmem: string;
  sshTimeoutS: number;
}

/** What every stage needs, even cleanup: where the executor keeps builds, caches and per-job state. */
export interface ExecutorPaths {
  /** BUILDBTW_EXECUTOR_DIR. */
  dir: string;
}

export interface ExecutorConfig extends ExecutorPaths {
  /** SERVER_URL, without a trailing slash. */
  serverUrl: string;
  /** BUILDBTW_TOKEN: a worker token. */
  token: string;
  /** BUILDBTW_EXECUTOR_ISOLATION. */
  isolation: Isolation;
  vmexec: VmexecSettings;
  /** How many times a call to an unreachable or busy server is tried before the job fails (with backoff). */
  serverAttempts: number;
  /** Who runs makepkg when the executor runs as root (isolation none and `{command}`). */
  buildUser: string;
}

export const DEFAULT_EXECUTOR_DIR = "/srv/buildbtw/gitlab";

/** Every setting the executor reads; nothing else is taken from CUSTOM_ENV_ for it. */
export const EXECUTOR_SETTING_NAMES = [
  "SERVER_URL",
  "BUILDBTW_TOKEN",
  "BUILDBTW_EXECUTOR_ISOLATION",
  "BUILDBTW_EXECUTOR_DIR",
  "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS",
  "BUILDBTW_BUILD_USER",
  "BUILDBTW_VMEXEC_IMAGE",
  "BUILDBTW_VMEXEC_PMEM",
  "BUILDBTW_VMEXEC_SSH_TIMEOUT",
] as const;

/**
 * A pipeline variable sets one of the runner's settings: the job's fault, not the host's (the executor fails the
 * job instead of asking the runner to retry).
 */
export class JobSetsRunnerSetting extends Invalid {
  override name = "JobSetsRunnerSetting";
}

const Paths = z.object({
  dir: z.string().refine(isAbsolute, "BUILDBTW_EXECUTOR_DIR must be an absolute path"),
});

const Schema = Paths.extend({
  serverUrl: z.url({
    protocol: /^https?$/,
    error: (issue) =>
      issue.input === undefined
        ? "SERVER_URL is not set; set it to the buildbtw server's URL in the runner's environment"
        : "SERVER_URL must be an http:// or https:// URL",
  }),
  token: z
    .string({ error: "BUILDBTW_TOKEN is not set; set it to a worker token in the runner's environment" })
    .min(1, "BUILDBTW_TOKEN is empty; set it to a worker token in the runner's environment"),
  serverAttempts: z.coerce
    .number({ error: "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS must be a number" })
    .int("BUILDBTW_EXECUTOR_SERVER_ATTEMPTS must be a whole number")
    .min(1, "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS must be at least 1"),
  buildUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, "BUILDBTW_BUILD_USER must be a user name"),
  vmexec: z.object({
    image: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "BUILDBTW_VMEXEC_IMAGE must be an image name"),
    pmem: z.string().regex(/^\/[^\s:]+:[0-9]+$/, "BUILDBTW_VMEXEC_PMEM must be PATH:GiB, e.g. /var/lib/archbuild:30"),
    sshTimeoutS: z.coerce
      .number({ error: "BUILDBTW_VMEXEC_SSH_TIMEOUT must be a number of seconds" })
      .int("BUILDBTW_VMEXEC_SSH_TIMEOUT must be a whole number of seconds")
      .min(1, "BUILDBTW_VMEXEC_SSH_TIMEOUT must be at least 1 second"),
  }),
});

const Payload = z.object({ variables: z.array(z.object({ key: z.string() })).default([]) });

/** The names of the variables GitLab sent with the job, or null when there is no readable job payload. */
function jobVariableNames(env: Env): Set<string> | null {
  const file = env.JOB_RESPONSE_FILE;
  if (!file) return null;
  try {
    const payload = Payload.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return payload.success ? new Set(payload.data.variables.map((v) => v.key)) : null;
  } catch {
    return null;
  }
}

/**
 * `env` with each unset setting filled in from the runner's `[[runners]] environment`, when that is provably
 * where its CUSTOM_ENV_ value came from. A job that sets a setting itself is refused.
 */
function runnerEnvironment(env: Env): Env {
  const missing = EXECUTOR_SETTING_NAMES.filter((name) => !env[name] && env[`CUSTOM_ENV_${name}`]);
  if (missing.length === 0) return env;
  const fromJob = jobVariableNames(env);
  if (fromJob === null) return env;
  const filled: Env = { ...env };
  for (const name of missing) {
    if (fromJob.has(name))
      throw new JobSetsRunnerSetting(
        `the job sets ${name}, which only the runner's configuration may set; remove it from the pipeline's variables`,
      );
    filled[name] = env[`CUSTOM_ENV_${name}`];
  }
  return filled;
}

/** Just the directory: cleanup needs nothing else, and must work when the other settings are missing. */
export function loadExecutorPaths(jobEnv: Env = process.env): ExecutorPaths {
  const env = runnerEnvironment(jobEnv);
  return parseSettings(Paths, { dir: pick(env.BUILDBTW_EXECUTOR_DIR) ?? DEFAULT_EXECUTOR_DIR }, "executor");
}

/** Every setting, checked: a missing server URL or token is an Invalid naming the variable, in one sentence. */
export function loadExecutorConfig(jobEnv: Env = process.env): ExecutorConfig {
  const env = runnerEnvironment(jobEnv);
  const isolation = parseIsolation(env.BUILDBTW_EXECUTOR_ISOLATION);
  const parsed = parseSettings(
    Schema,
    {
      dir: pick(env.BUILDBTW_EXECUTOR_DIR) ?? DEFAULT_EXECUTOR_DIR,
      serverUrl: pick(env.SERVER_URL),
      token: pick(env.BUILDBTW_TOKEN),
      serverAttempts: pick(env.BUILDBTW_EXECUTOR_SERVER_ATTEMPTS) ?? "8",
      buildUser: pick(env.BUILDBTW_BUILD_USER) ?? "buildbtw-build",
      vmexec: {
        image: pick(env.BUILDBTW_VMEXEC_IMAGE) ?? "archlinux",
        pmem: pick(env.BUILDBTW_VMEXEC_PMEM) ?? "/var/lib/archbuild:30",
        sshTimeoutS: pick(env.BUILDBTW_VMEXEC_SSH_TIMEOUT) ?? "120",
      },
    },
    "executor",
  );
  return { ...parsed, serverUrl: parsed.serverUrl.replace(/\/+$/, ""), isolation };
}

/** `vmexec` (default), `none`, or a command template with placeholders. */
export function parseIsolation(value: string | undefined): Isolation {
  const text = pick(value?.trim());
  if (text === undefined || text === "vmexec") return { kind: "vmexec" };
  if (text === "none") return { kind: "none" };
  if (!/[\s{]/.test(text))
    throw new Invalid(
      `invalid executor settings: BUILDBTW_EXECUTOR_ISOLATION is ${JSON.stringify(text)}; it must be vmexec, none, or a command template such as "systemd-run --scope -- {command}"`,
    );
  try {
    return { kind: "template", template: parseTemplate(text) };
  } catch (error) {
    if (error instanceof TemplateError)
      throw new Invalid(`invalid executor settings: BUILDBTW_EXECUTOR_ISOLATION: ${error.message}`);
    throw error;
  }
}
