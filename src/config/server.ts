// `buildbtw serve` settings: flag → environment → .env → default (design.md §10).
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_ARCH } from "../core/types";
import { type Env, environment, parseSettings, pick, redacted, sqlitePath } from "./env";

export interface ServerFlags {
  port?: string;
  interface?: string;
  "base-url"?: string;
  "database-url"?: string;
  "data-dir"?: string;
  repos?: string;
  "admin-token"?: string;
  "ref-check-interval"?: string;
  "lease-ttl"?: string;
}

const Schema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  interface: z.string().min(1),
  baseUrl: z.url().optional(),
  databasePath: z.string().min(1),
  dataDir: z.string().min(1),
  reposDir: z.string().min(1),
  adminToken: z.string().min(16, "must be at least 16 characters").optional(),
  refCheckIntervalMs: z.coerce.number().int().min(1000),
  leaseTtlMs: z.coerce.number().int().min(1000),
  defaultArch: z.string().min(1),
  /** Where workers fetch sources: `{pkgbase}` is replaced; default: the local repository path. */
  sourceUrlTemplate: z.string().optional(),
});
export type ServerConfig = z.infer<typeof Schema> & { baseUrl: string };

export function loadServerConfig(flags: ServerFlags, env: Env = environment()): ServerConfig {
  const dataDir = pick(flags["data-dir"], env.DATA_DIR) ?? "./data";
  const databaseUrl = pick(flags["database-url"], env.DATABASE_URL) ?? `sqlite:${join(dataDir, "buildbtw.sqlite")}`;
  const parsed = parseSettings(
    Schema,
    {
      port: pick(flags.port, env.PORT) ?? "8080",
      interface: pick(flags.interface, env.INTERFACE) ?? "0.0.0.0",
      baseUrl: pick(flags["base-url"], env.BASE_URL),
      databasePath: sqlitePath(databaseUrl),
      dataDir,
      reposDir: pick(flags.repos, env.REPOS_DIR) ?? join(dataDir, "source_repos"),
      adminToken: pick(flags["admin-token"], env.BUILDBTW_ADMIN_TOKEN),
      refCheckIntervalMs: pick(flags["ref-check-interval"], env.BUILDBTW_REF_CHECK_INTERVAL_MS) ?? "30000",
      leaseTtlMs: pick(flags["lease-ttl"], env.BUILDBTW_LEASE_TTL_MS) ?? "60000",
      defaultArch: pick(env.BUILDBTW_DEFAULT_ARCH) ?? DEFAULT_ARCH,
      sourceUrlTemplate: pick(env.BUILDBTW_SOURCE_URL_TEMPLATE),
    },
    "server",
  );
  const host = parsed.interface === "0.0.0.0" || parsed.interface === "::" ? "localhost" : parsed.interface;
  return {
    ...parsed,
    dataDir: resolve(parsed.dataDir),
    reposDir: resolve(parsed.reposDir),
    databasePath: isAbsolute(parsed.databasePath) ? parsed.databasePath : resolve(parsed.databasePath),
    baseUrl: (parsed.baseUrl ?? `http://${host}:${parsed.port}`).replace(/\/$/, ""),
  };
}

export const printableServerConfig = (c: ServerConfig) => redacted(c, ["adminToken"]);
