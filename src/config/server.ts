// `buildbtw serve` settings: flag → environment → .env → default (README.md, Settings).
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { Invalid } from "../core/errors";
import { DEFAULT_ARCH } from "../core/types";
import {
  durationSetting,
  type Env,
  environment,
  parseSettings,
  pick,
  redacted,
  type SettingNames,
  sqlitePath,
} from "./env";
import { type LogConfig, loadLogConfig } from "./log";
import { loadOperationsConfig, type OperationsConfig } from "./operations";

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
  adminToken: z
    .string()
    .refine((t) => t === "off" || t.length >= 16, "BUILDBTW_ADMIN_TOKEN must be at least 16 characters, or off")
    .optional(),
  publicRead: z.enum(["true", "false", "1", "0", "yes", "no"], {
    error: "BUILDBTW_PUBLIC_READ must be true or false",
  }),
  auditRetentionDays: z.coerce
    .number({ error: "BUILDBTW_AUDIT_RETENTION_DAYS must be a number of days" })
    .int("BUILDBTW_AUDIT_RETENTION_DAYS must be a whole number of days")
    .min(1, "BUILDBTW_AUDIT_RETENTION_DAYS must be at least 1"),
  authFailureLimit: z.coerce
    .number({ error: "BUILDBTW_AUTH_FAILURE_LIMIT must be a number" })
    .int("BUILDBTW_AUTH_FAILURE_LIMIT must be a whole number")
    .min(1, "BUILDBTW_AUTH_FAILURE_LIMIT must be at least 1"),
  refCheckIntervalMs: z.coerce.number().int().min(1000),
  leaseTtlMs: z.coerce.number().int().min(1000),
  defaultArch: z.string().min(1),
  /** A build's estimate when neither its pkgbase nor its architecture has any recorded build. */
  defaultEstimateMs: durationSetting("30m, 1h, 1h30m"),
  /**
   * Which ready build of a namespace goes first: the one with the longest estimated path to the end of the
   * graph (critical-path), or the earliest in build order (build-order, for comparison).
   */
  scheduleOrder: z.enum(["critical-path", "build-order"], { error: "must be critical-path or build-order" }),
  /** Where workers fetch sources: `{pkgbase}` is replaced; default: the local repository path. */
  sourceUrlTemplate: z.string().optional(),
  /** The largest package file an upload may carry. */
  maxUploadBytes: z.coerce
    .number({ error: "BUILDBTW_MAX_UPLOAD_BYTES must be a whole number of bytes" })
    .int()
    .min(1024, "BUILDBTW_MAX_UPLOAD_BYTES must be at least 1024"),
  /** A build's log is cut to its head and tail past this many bytes. */
  maxLogBytes: z.coerce
    .number({ error: "BUILDBTW_MAX_LOG_BYTES must be a whole number of bytes" })
    .int()
    .min(4096, "BUILDBTW_MAX_LOG_BYTES must be at least 4096"),
});
export type ServerConfig = Omit<z.infer<typeof Schema>, "publicRead"> & {
  baseUrl: string;
  /** BUILDBTW_PUBLIC_READ (default true): anonymous visitors may read pages and the API. */
  publicRead: boolean;
  gitlab: GitlabConfig | null;
  /** Readiness, metrics, retention and webhooks (config/operations.ts). */
  ops: OperationsConfig;
  oidc: OidcConfig | null;
  /** What only the web UI reads. */
  ui: UiConfig;
  log: LogConfig;
};

/** The web UI's settings. */
export interface UiConfig {
  /**
   * Where a commit is shown on its forge: BUILDBTW_COMMIT_URL_TEMPLATE (`{pkgbase}`, `{project}`: the GitLab
   * project path of the pkgbase, `{commit}`), else GitLab's commit page when GitLab mode is on or GITLAB_DOMAIN
   * names a GitLab; null: commits are plain text.
   */
  commitUrlTemplate: string | null;
}

/** Single sign-on (on when BUILDBTW_OIDC_ISSUER is set). */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The claim listing the user's groups (BUILDBTW_OIDC_GROUPS_CLAIM, default `groups`). */
  groupsClaim: string;
  packagerGroups: string[];
  adminGroups: string[];
  scopes: string;
  /** How often a session's groups are read again from the provider (BUILDBTW_OIDC_ROLE_REFRESH_SECONDS, a day). */
  roleRefreshSeconds: number;
}

const list = (v: string | undefined): string[] =>
  (v ?? "")
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const OidcSchema = z.object({
  issuer: z.url({
    protocol: /^https?$/,
    error: "BUILDBTW_OIDC_ISSUER must be an http(s) URL",
  }),
  clientId: z
    .string({
      error: "BUILDBTW_OIDC_CLIENT_ID must be set with BUILDBTW_OIDC_ISSUER",
    })
    .min(1),
  clientSecret: z.string().min(1).optional(),
  groupsClaim: z.string().min(1),
  packagerGroups: z.array(z.string()),
  adminGroups: z.array(z.string()),
  scopes: z.string().min(1),
  roleRefreshSeconds: z.coerce
    .number({ error: "BUILDBTW_OIDC_ROLE_REFRESH_SECONDS must be a number of seconds" })
    .int()
    .min(1, "BUILDBTW_OIDC_ROLE_REFRESH_SECONDS must be at least 1")
    .max(86_400, "BUILDBTW_OIDC_ROLE_REFRESH_SECONDS may be at most a day"),
});

function loadOidcConfig(env: Env): OidcConfig | null {
  const issuer = pick(env.BUILDBTW_OIDC_ISSUER);
  if (!issuer) return null;
  return parseSettings(
    OidcSchema,
    {
      issuer,
      clientId: pick(env.BUILDBTW_OIDC_CLIENT_ID),
      clientSecret: pick(env.BUILDBTW_OIDC_CLIENT_SECRET),
      groupsClaim: pick(env.BUILDBTW_OIDC_GROUPS_CLAIM) ?? "groups",
      packagerGroups: list(pick(env.BUILDBTW_OIDC_PACKAGER_GROUPS)),
      adminGroups: list(pick(env.BUILDBTW_OIDC_ADMIN_GROUPS)),
      scopes: pick(env.BUILDBTW_OIDC_SCOPES) ?? "openid profile email groups offline_access",
      roleRefreshSeconds: pick(env.BUILDBTW_OIDC_ROLE_REFRESH_SECONDS) ?? "86400",
    },
    "single sign-on",
    {
      clientSecret: "BUILDBTW_OIDC_CLIENT_SECRET",
      groupsClaim: "BUILDBTW_OIDC_GROUPS_CLAIM",
      packagerGroups: "BUILDBTW_OIDC_PACKAGER_GROUPS",
      adminGroups: "BUILDBTW_OIDC_ADMIN_GROUPS",
      scopes: "BUILDBTW_OIDC_SCOPES",
    },
  );
}

// ── GitLab mode (src/gitlab/README.md, GitLab mode): on when GITLAB_TOKEN is set ─────────────────

/** Where the packages live in GitLab; enough for `repos sync`, which may read a public group anonymously. */
export interface GitlabSourceConfig {
  /** `https://gitlab.archlinux.org`: GITLAB_DOMAIN, a host name (https) or a full URL. */
  url: string;
  token?: string;
  group: string;
  fetchConcurrency: number;
}

export interface GitlabConfig extends GitlabSourceConfig {
  token: string;
  /** RUN_BUILDS_ON_GITLAB: pending builds become pipelines instead of worker leases. */
  runBuilds: boolean;
  /** GITLAB_PACKAGES_CI_CONFIG: keep every project's CI config path at this value. */
  ciConfigPath: string | null;
  webhookSecret?: string;
  webhookSigningToken?: string;
  /** How often the repositories of active namespaces' origin changesets are fetched. */
  originFetchIntervalMs: number;
  /** How often the GraphQL activity sweep runs. */
  sweepIntervalMs: number;
  /** How often running pipelines are asked for their status (webhooks and results come sooner). */
  pipelinePollIntervalMs: number;
  /** Pipelines in flight at most; further builds wait pending. */
  maxPipelines: number;
}

const DEFAULT_GITLAB_DOMAIN = "gitlab.archlinux.org";
const DEFAULT_PACKAGES_GROUP = "archlinux/packaging/packages";

/** A whole number setting, its message naming the setting. */
const whole = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
  const sentence =
    max === Number.MAX_SAFE_INTEGER
      ? `${name} must be a whole number, at least ${min}`
      : `${name} must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: sentence }).int(sentence).min(min, sentence).max(max, sentence);
};

const GitlabSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: "GITLAB_DOMAIN must be a host name or an http(s) URL" }),
  token: z.string().min(1).optional(),
  group: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
      "GITLAB_PACKAGES_GROUP must be a group path like archlinux/packaging/packages",
    ),
  fetchConcurrency: whole("BUILDBTW_FETCH_CONCURRENCY (--concurrency)", 1, 64),
  runBuilds: z.enum(["true", "false", "1", "0", "yes", "no"], {
    error: "RUN_BUILDS_ON_GITLAB must be true or false",
  }),
  ciConfigPath: z.string().min(1).max(1024).optional(),
  webhookSecret: z.string().min(8, "GITLAB_WEBHOOK_SECRET must be at least 8 characters").optional(),
  webhookSigningToken: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+=*$/, "GITLAB_WEBHOOK_SIGNING_TOKEN must look like whsec_<base64>")
    .optional(),
  originFetchIntervalMs: whole("BUILDBTW_ORIGIN_FETCH_INTERVAL_MS", 1000),
  sweepIntervalMs: whole("BUILDBTW_GITLAB_SWEEP_INTERVAL_MS", 1000),
  pipelinePollIntervalMs: whole("BUILDBTW_PIPELINE_POLL_INTERVAL_MS", 200),
  maxPipelines: whole("BUILDBTW_GITLAB_MAX_PIPELINES", 1),
});

const gitlabUrl = (domain: string): string =>
  (domain.includes("://") ? domain : `https://${domain}`).replace(/\/+$/, "");

/** GitLab settings from the environment (flags: --repos-style overrides are the caller's). */
export function loadGitlabSourceConfig(
  flags: { concurrency?: string } = {},
  env: Env = environment(),
): GitlabSourceConfig {
  const parsed = parseGitlab(flags, env);
  return { url: parsed.url, token: parsed.token, group: parsed.group, fetchConcurrency: parsed.fetchConcurrency };
}

function parseGitlab(flags: { concurrency?: string }, env: Env) {
  return parseSettings(
    GitlabSchema,
    {
      url: gitlabUrl(pick(env.GITLAB_DOMAIN) ?? DEFAULT_GITLAB_DOMAIN),
      token: pick(env.GITLAB_TOKEN),
      group: (pick(env.GITLAB_PACKAGES_GROUP) ?? DEFAULT_PACKAGES_GROUP).replace(/^\/+|\/+$/g, ""),
      fetchConcurrency: pick(flags.concurrency, env.BUILDBTW_FETCH_CONCURRENCY) ?? "8",
      runBuilds: (pick(env.RUN_BUILDS_ON_GITLAB) ?? "false").toLowerCase(),
      ciConfigPath: pick(env.GITLAB_PACKAGES_CI_CONFIG),
      webhookSecret: pick(env.GITLAB_WEBHOOK_SECRET),
      webhookSigningToken: pick(env.GITLAB_WEBHOOK_SIGNING_TOKEN),
      originFetchIntervalMs: pick(env.BUILDBTW_ORIGIN_FETCH_INTERVAL_MS) ?? "60000",
      sweepIntervalMs: pick(env.BUILDBTW_GITLAB_SWEEP_INTERVAL_MS) ?? "300000",
      pipelinePollIntervalMs: pick(env.BUILDBTW_PIPELINE_POLL_INTERVAL_MS) ?? "15000",
      maxPipelines: pick(env.BUILDBTW_GITLAB_MAX_PIPELINES) ?? "200",
    },
    "GitLab",
    {
      url: "GITLAB_DOMAIN",
      token: "GITLAB_TOKEN",
      group: "GITLAB_PACKAGES_GROUP",
      ciConfigPath: "GITLAB_PACKAGES_CI_CONFIG",
    },
  );
}

const UiSchema = z.object({
  commitUrlTemplate: z
    .string()
    .regex(/^https?:\/\/\S+$/, "BUILDBTW_COMMIT_URL_TEMPLATE must be an http(s) URL")
    .refine((t) => t.includes("{commit}"), "BUILDBTW_COMMIT_URL_TEMPLATE must contain {commit}")
    .optional(),
});

/** `forge`: the GitLab whose commit pages the UI links to, if any. */
function loadUiConfig(env: Env, forge: { url: string; group: string } | null): UiConfig {
  const fromGitlab = forge ? `${forge.url}/${forge.group}/{project}/-/commit/{commit}` : undefined;
  const parsed = parseSettings(
    UiSchema,
    { commitUrlTemplate: pick(env.BUILDBTW_COMMIT_URL_TEMPLATE) ?? fromGitlab },
    "server",
  );
  return { commitUrlTemplate: parsed.commitUrlTemplate ?? null };
}

function loadGitlabConfig(env: Env): GitlabConfig | null {
  const parsed = parseGitlab({}, env);
  const runBuilds = ["true", "1", "yes"].includes(parsed.runBuilds);
  if (!parsed.token) {
    if (runBuilds) throw new Invalid("invalid GitLab settings: RUN_BUILDS_ON_GITLAB=true needs GITLAB_TOKEN");
    return null;
  }
  return { ...parsed, token: parsed.token, runBuilds, ciConfigPath: parsed.ciConfigPath ?? null };
}

const NAMES: SettingNames = {
  port: "PORT (--port)",
  interface: "INTERFACE (--interface)",
  baseUrl: "BASE_URL (--base-url)",
  databasePath: "DATABASE_URL (--database-url)",
  dataDir: "DATA_DIR (--data-dir)",
  reposDir: "REPOS_DIR (--repos)",
  adminToken: "BUILDBTW_ADMIN_TOKEN (--admin-token)",
  refCheckIntervalMs: "BUILDBTW_REF_CHECK_INTERVAL_MS (--ref-check-interval)",
  leaseTtlMs: "BUILDBTW_LEASE_TTL_MS (--lease-ttl)",
  defaultArch: "BUILDBTW_DEFAULT_ARCH",
  defaultEstimateMs: "BUILDBTW_DEFAULT_ESTIMATE",
  scheduleOrder: "BUILDBTW_SCHEDULE_ORDER",
  sourceUrlTemplate: "BUILDBTW_SOURCE_URL_TEMPLATE",
};

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
      publicRead: (pick(env.BUILDBTW_PUBLIC_READ) ?? "true").toLowerCase(),
      auditRetentionDays: pick(env.BUILDBTW_AUDIT_RETENTION_DAYS) ?? "365",
      authFailureLimit: pick(env.BUILDBTW_AUTH_FAILURE_LIMIT) ?? "10",
      defaultArch: pick(env.BUILDBTW_DEFAULT_ARCH) ?? DEFAULT_ARCH,
      defaultEstimateMs: pick(env.BUILDBTW_DEFAULT_ESTIMATE) ?? "30m",
      scheduleOrder: pick(env.BUILDBTW_SCHEDULE_ORDER) ?? "critical-path",
      sourceUrlTemplate: pick(env.BUILDBTW_SOURCE_URL_TEMPLATE),
      maxUploadBytes: pick(env.BUILDBTW_MAX_UPLOAD_BYTES) ?? String(16 * 1024 ** 3),
      maxLogBytes: pick(env.BUILDBTW_MAX_LOG_BYTES) ?? String(64 * 1024 ** 2),
    },
    "server",
    NAMES,
  );
  const host = parsed.interface === "0.0.0.0" || parsed.interface === "::" ? "localhost" : parsed.interface;
  const gitlab = loadGitlabConfig(env);
  return {
    ...parsed,
    dataDir: resolve(parsed.dataDir),
    reposDir: resolve(parsed.reposDir),
    databasePath: isAbsolute(parsed.databasePath) ? parsed.databasePath : resolve(parsed.databasePath),
    baseUrl: (parsed.baseUrl ?? `http://${host}:${parsed.port}`).replace(/\/$/, ""),
    publicRead: ["true", "1", "yes"].includes(parsed.publicRead),
    gitlab,
    ops: loadOperationsConfig(env),
    oidc: loadOidcConfig(env),
    ui: loadUiConfig(env, gitlab ?? (pick(env.GITLAB_DOMAIN) ? loadGitlabSourceConfig({}, env) : null)),
    log: loadLogConfig(env),
  };
}

export const printableServerConfig = (c: ServerConfig) => ({
  ...redacted(c, ["adminToken"]),
  oidc: c.oidc && redacted({ ...c.oidc }, ["clientSecret"]),
  gitlab: c.gitlab && redacted({ ...c.gitlab }, ["token", "webhookSecret", "webhookSigningToken"]),
  ops: { ...c.ops, webhooks: redacted({ ...c.ops.webhooks }, ["secret"]) },
});
