// `buildbtw worker` settings: flag → environment → .env → default (README.md, Settings).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ArchSchema } from "../api/schemas";
import { Invalid } from "../core/errors";
import { DEFAULT_ARCH } from "../core/types";
import { durationSetting, type Env, environment, parseSettings, pick, redacted, type SettingNames } from "./env";
import { type LogConfig, loadLogConfig } from "./log";

export const DRIVER_NAMES = ["fake", "makepkg", "pkgctl"] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

export interface WorkerFlags {
  server?: string;
  token?: string;
  /** Repeatable and/or comma-separated: `--arch x86_64 --arch x86_64_v3` or `--arch x86_64,x86_64_v3`. */
  arch?: string | string[];
  concurrency?: string;
  driver?: string;
  "fake-delay-ms"?: string;
  "fake-durations"?: string;
  "fake-time-scale"?: string;
  "work-dir"?: string;
  "build-user"?: string;
  "build-timeout"?: string;
  "keep-failed-hours"?: string;
  "modify-gpg-keyring"?: boolean;
}

/** The environment's yes: 1, true, yes, on (any case). */
const isYes = (value: string | undefined): boolean => /^(1|true|yes|on)$/i.test(value?.trim() ?? "");

const Schema = z.object({
  serverUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
  token: z.string({ error: "a worker token is required: pass --token or set BUILDBTW_TOKEN" }).min(1),
  architectures: z.array(ArchSchema).min(1, "name at least one architecture"),
  concurrency: z.coerce.number().int().min(1).max(64),
  driver: z.enum(DRIVER_NAMES, { error: `must be one of ${DRIVER_NAMES.join(", ")}` }),
  fakeDelayMs: z.coerce.number().int().min(0),
  /** The file's pkgbase → seconds, each multiplied by fakeTimeScale; null without a file. */
  fakeDurations: z.record(z.string(), z.number()).nullable(),
  fakeTimeScale: z.coerce
    .number({ error: "must be a positive number, e.g. 0.01" })
    .positive("must be a positive number, e.g. 0.01"),
  workDir: z.string().min(1),
  buildUser: z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/i, "must be a user name, e.g. buildbtw-build"),
  buildTimeoutMs: durationSetting("90m, 4h, 1h30m"),
  keepFailedHours: z.coerce.number({ error: "must be a number of hours, e.g. 24" }).min(0),
  modifyGpgKeyring: z.boolean(),
});
export type WorkerConfig = z.infer<typeof Schema> & { log: LogConfig };

/** `["x86_64,aarch64", " x86_64_v3 "]` → `["x86_64", "aarch64", "x86_64_v3"]`, without duplicates. */
export function splitList(values: string | string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = (Array.isArray(values) ? values : [values]).flatMap((v) => v.split(",")).map((v) => v.trim());
  const unique = [...new Set(items.filter((v) => v !== ""))];
  return unique.length > 0 ? unique : undefined;
}

const FakeDurations = z.record(z.string(), z.number().min(0, "durations are seconds, 0 or more"), {
  error: 'must be a JSON object mapping pkgbase to seconds, e.g. {"zlib": 40, "llvm": 3600}',
});

/** The fake driver's durations file (a JSON object: pkgbase → seconds), or null when none is named. */
export function readFakeDurations(path: string | undefined): Record<string, number> | null {
  if (path === undefined) return null;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Invalid(`--fake-durations: cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Invalid(`--fake-durations: ${path} is not valid JSON`);
  }
  const parsed = FakeDurations.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` (at ${issue.path.join(".")})` : "";
    throw new Invalid(`--fake-durations: ${path}${where}: ${issue.message}`);
  }
  return parsed.data;
}

const NAMES: SettingNames = {
  serverUrl: "SERVER_URL (--server)",
  token: "BUILDBTW_TOKEN (--token)",
  architectures: "BUILDBTW_WORKER_ARCH (--arch)",
  concurrency: "BUILDBTW_WORKER_CONCURRENCY (--concurrency)",
  driver: "BUILDBTW_WORKER_DRIVER (--driver)",
  fakeDelayMs: "BUILDBTW_FAKE_DELAY_MS (--fake-delay-ms)",
  fakeDurations: "BUILDBTW_FAKE_DURATIONS (--fake-durations)",
  fakeTimeScale: "BUILDBTW_FAKE_TIME_SCALE (--fake-time-scale)",
  workDir: "BUILDBTW_WORKER_DIR (--work-dir)",
  buildUser: "BUILDBTW_BUILD_USER (--build-user)",
  buildTimeoutMs: "BUILDBTW_BUILD_TIMEOUT (--build-timeout)",
  keepFailedHours: "BUILDBTW_KEEP_FAILED_HOURS (--keep-failed-hours)",
  modifyGpgKeyring: "BUILDBTW_MODIFY_GPG_KEYRING (--modify-gpg-keyring)",
};

export function loadWorkerConfig(flags: WorkerFlags, env: Env = environment()): WorkerConfig {
  const parsed = parseSettings(
    Schema,
    {
      serverUrl: pick(flags.server, env.SERVER_URL) ?? "http://localhost:8080",
      token: pick(flags.token, env.BUILDBTW_TOKEN),
      architectures: splitList(flags.arch) ?? splitList(env.BUILDBTW_WORKER_ARCH) ?? [DEFAULT_ARCH],
      concurrency: pick(flags.concurrency, env.BUILDBTW_WORKER_CONCURRENCY) ?? "1",
      driver: pick(flags.driver, env.BUILDBTW_WORKER_DRIVER) ?? "fake",
      fakeDelayMs: pick(flags["fake-delay-ms"], env.BUILDBTW_FAKE_DELAY_MS) ?? "0",
      fakeDurations: readFakeDurations(pick(flags["fake-durations"], env.BUILDBTW_FAKE_DURATIONS)),
      fakeTimeScale: pick(flags["fake-time-scale"], env.BUILDBTW_FAKE_TIME_SCALE) ?? "1",
      workDir: pick(flags["work-dir"], env.BUILDBTW_WORKER_DIR) ?? "./data/worker",
      buildUser: pick(flags["build-user"], env.BUILDBTW_BUILD_USER) ?? "buildbtw-build",
      buildTimeoutMs: pick(flags["build-timeout"], env.BUILDBTW_BUILD_TIMEOUT) ?? "4h",
      keepFailedHours: pick(flags["keep-failed-hours"], env.BUILDBTW_KEEP_FAILED_HOURS) ?? "24",
      modifyGpgKeyring: flags["modify-gpg-keyring"] === true || isYes(env.BUILDBTW_MODIFY_GPG_KEYRING),
    },
    "worker",
    NAMES,
  );
  return {
    ...parsed,
    serverUrl: parsed.serverUrl.replace(/\/+$/, ""),
    workDir: resolve(parsed.workDir),
    log: loadLogConfig(env),
  };
}

export const printableWorkerConfig = (c: WorkerConfig) => redacted(c, ["token"]);
