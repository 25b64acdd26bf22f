// The executor's settings come from the runner's environment (README.md, Settings): SERVER_URL, BUILDBTW_TOKEN,
// BUILDBTW_EXECUTOR_ISOLATION, and where it keeps its files; either gitlab-runner's own process environment
// or config.toml's `[[runners]] environment` (runner-env.ts). No flags and no .env: the runner starts every
// stage in a fresh temporary directory, and its configuration is the one place to configure it.
import { isAbsolute } from "node:path";
import { z } from "zod";
import { SystemFailure } from "./failures";
import { runnerEnvironment } from "./runner-env";
import { type CommandTemplate, parseTemplate, TemplateError } from "./template";

export type Env = Record<string, string | undefined>;

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
  dir: string;
}

export interface ExecutorSettings extends ExecutorPaths {
  serverUrl: string;
  token: string;
  isolation: Isolation;
  vmexec: VmexecSettings;
  /** How many times a call to an unreachable or busy server is tried before the job fails (with backoff). */
  serverAttempts: number;
  /** Who runs makepkg when the executor runs as root (isolation none and `{command}`). */
  buildUser: string;
}

export const DEFAULT_EXECUTOR_DIR = "/srv/buildbtw/gitlab";

const Paths = z.object({
  dir: z.string().refine(isAbsolute, "BUILDBTW_EXECUTOR_DIR must be an absolute path"),
});

const Settings = Paths.extend({
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
    .int()
    .min(1, "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS must be at least 1"),
  buildUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, "BUILDBTW_BUILD_USER must be a user name"),
  vmexec: z.object({
    image: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "BUILDBTW_VMEXEC_IMAGE must be an image name"),
    pmem: z.string().regex(/^\/[^\s:]+:[0-9]+$/, "BUILDBTW_VMEXEC_PMEM must be PATH:GiB, e.g. /var/lib/archbuild:30"),
    sshTimeoutS: z.coerce
      .number({ error: "BUILDBTW_VMEXEC_SSH_TIMEOUT must be a number of seconds" })
      .int()
      .min(1, "BUILDBTW_VMEXEC_SSH_TIMEOUT must be at least 1 second"),
  }),
});

const set = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value;

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new SystemFailure(`invalid executor settings: ${result.error.issues.map((i) => i.message).join("; ")}`);
}

export function loadExecutorPaths(jobEnv: Env): ExecutorPaths {
  const env = runnerEnvironment(jobEnv);
  return parse(Paths, { dir: set(env.BUILDBTW_EXECUTOR_DIR) ?? DEFAULT_EXECUTOR_DIR });
}

/** Every setting, checked: a missing server URL or token is a system failure with one sentence. */
export function loadExecutorSettings(jobEnv: Env): ExecutorSettings {
  const env = runnerEnvironment(jobEnv);
  const isolation = parseIsolation(env.BUILDBTW_EXECUTOR_ISOLATION);
  const parsed = parse(Settings, {
    dir: set(env.BUILDBTW_EXECUTOR_DIR) ?? DEFAULT_EXECUTOR_DIR,
    serverUrl: set(env.SERVER_URL),
    token: set(env.BUILDBTW_TOKEN),
    serverAttempts: set(env.BUILDBTW_EXECUTOR_SERVER_ATTEMPTS) ?? "8",
    buildUser: set(env.BUILDBTW_BUILD_USER) ?? "buildbtw-build",
    vmexec: {
      image: set(env.BUILDBTW_VMEXEC_IMAGE) ?? "archlinux",
      pmem: set(env.BUILDBTW_VMEXEC_PMEM) ?? "/var/lib/archbuild:30",
      sshTimeoutS: set(env.BUILDBTW_VMEXEC_SSH_TIMEOUT) ?? "120",
    },
  });
  return { ...parsed, serverUrl: parsed.serverUrl.replace(/\/+$/, ""), isolation };
}

/** `vmexec` (default), `none`, or a command template with placeholders. */
export function parseIsolation(value: string | undefined): Isolation {
  const text = set(value?.trim());
  if (text === undefined || text === "vmexec") return { kind: "vmexec" };
  if (text === "none") return { kind: "none" };
  if (!/[\s{]/.test(text))
    throw new SystemFailure(
      `BUILDBTW_EXECUTOR_ISOLATION is ${JSON.stringify(text)}; it must be vmexec, none, or a command template such as "systemd-run --scope -- {command}"`,
    );
  try {
    return { kind: "template", template: parseTemplate(text) };
  } catch (error) {
    if (error instanceof TemplateError) throw new SystemFailure(`BUILDBTW_EXECUTOR_ISOLATION: ${error.message}`);
    throw error;
  }
}
