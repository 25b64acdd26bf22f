// `buildbtw worker` settings: flag → environment → .env → default (design.md §10).
import { resolve } from "node:path";
import { z } from "zod";
import { ArchSchema } from "../api/schemas";
import { DEFAULT_ARCH } from "../core/types";
import { type Env, environment, parseSettings, pick, redacted } from "./env";

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
  "work-dir"?: string;
}

const Schema = z.object({
  serverUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
  token: z.string({ error: "a worker token is required: pass --token or set BUILDBTW_TOKEN" }).min(1),
  architectures: z.array(ArchSchema).min(1, "name at least one architecture"),
  concurrency: z.coerce.number().int().min(1).max(64),
  driver: z.enum(DRIVER_NAMES, { error: `must be one of ${DRIVER_NAMES.join(", ")}` }),
  fakeDelayMs: z.coerce.number().int().min(0),
  workDir: z.string().min(1),
});
export type WorkerConfig = z.infer<typeof Schema>;

/** `["x86_64,aarch64", " x86_64_v3 "]` → `["x86_64", "aarch64", "x86_64_v3"]`, without duplicates. */
export function splitList(values: string | string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = (Array.isArray(values) ? values : [values]).flatMap((v) => v.split(",")).map((v) => v.trim());
  const unique = [...new Set(items.filter((v) => v !== ""))];
  return unique.length > 0 ? unique : undefined;
}

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
      workDir: pick(flags["work-dir"], env.BUILDBTW_WORKER_DIR) ?? "./data/worker",
    },
    "worker",
  );
  return { ...parsed, serverUrl: parsed.serverUrl.replace(/\/+$/, ""), workDir: resolve(parsed.workDir) };
}

export const printableWorkerConfig = (c: WorkerConfig) => redacted(c, ["token"]);
