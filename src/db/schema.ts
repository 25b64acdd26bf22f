// The database schema. Drizzle types stop at db/: repositories map rows to domain values.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

export const namespaces = sqliteTable("namespaces", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  status: text("status", { enum: ["active", "cancelled"] })
    .notNull()
    .default("active"),
  /** JSON array of "pkgbase/ref". */
  originChangesets: text("origin_changesets", { mode: "json" }).$type<string[]>().notNull(),
  include: text("include", { mode: "json" }).$type<string[]>().notNull(),
  /** How rebuilds are built: "rebuild" bumps their pkgrel (pkgctl build --rebuild), "none" builds them as committed. */
  bump: text("bump", { enum: ["rebuild", "none"] })
    .notNull()
    .default("rebuild"),
  /** Bumped when origin changesets are edited, so the next recompute records that reason. */
  originsEditedAt: text("origins_edited_at"),
  /** Why the newest sources could not become an iteration (unknown ref, broken .SRCINFO); null when they could. */
  problem: text("problem"),
  /** Who made it: a user's name, a bot token's name, or "admin" for the bootstrap token. */
  createdBy: text("created_by"),
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
});

export const iterations = sqliteTable(
  "iterations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    namespaceId: integer("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    reason: text("reason", { enum: ["first", "origin_changesets_changed", "graph_changed", "retry"] }).notNull(),
    /** JSON GraphDiff for graph_changed, else null. */
    diff: text("diff", { mode: "json" }),
    /** JSON [{pkgbase, ref, commit}] of the origin changesets at this iteration. */
    origins: text("origins", { mode: "json" }).$type<{ pkgbase: string; ref: string; commit: string }[]>().notNull(),
    /** JSON of the origin changesets as written when this iteration was made (to notice edits). */
    originChangesets: text("origin_changesets", { mode: "json" }).$type<string[]>().notNull(),
    /** JSON Record<arch, ArchGraph>: the immutable snapshot. */
    graph: text("graph", { mode: "json" }).notNull(),
    createdAt: text("created_at").notNull().default(now),
    /** When retention removed this iteration's repositories from disk; null while they are kept. */
    prunedAt: text("pruned_at"),
    /**
     * False while its builds are still being written (a large iteration is written in short slices, so
     * the server keeps answering). Readers see only complete iterations; a start removes incomplete ones.
     */
    complete: integer("complete", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [index("iterations_namespace").on(t.namespaceId, t.id)],
);

export const builds = sqliteTable(
  "builds",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    iterationId: integer("iteration_id")
      .notNull()
      .references(() => iterations.id),
    namespaceId: integer("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    arch: text("arch").notNull(),
    pkgbase: text("pkgbase").notNull(),
    commit: text("commit").notNull(),
    ref: text("ref").notNull(),
    /** Position in the iteration's build order for this arch (lower builds first). */
    position: integer("position").notNull(),
    status: text("status", {
      enum: ["blocked", "pending", "scheduled", "building", "built", "failed"],
    }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    failureReason: text("failure_reason"),
    /** JSON: version, packages (pkgname, arch, file, relations) and expected file names. */
    spec: text("spec", { mode: "json" }).notNull(),
    /** The pkgrel a rebuild writes into its PKGBUILD (decided once, the same for every attempt); null: built as committed. */
    pkgrelBump: text("pkgrel_bump"),
    // The current lease: results and uploads must quote this id; older ones are refused.
    leaseId: text("lease_id"),
    leaseWorker: text("lease_worker"),
    leaseExpiresAt: integer("lease_expires_at"),
    pipelineId: integer("pipeline_id"),
    pipelineUrl: text("pipeline_url"),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    /**
     * Hash of everything that decides the build's output (core/build-identity.ts); null for builds made
     * before identities existed, which are never reused.
     */
    identity: text("identity"),
    /** Set when this node was not built but took the packages of an equal build of an earlier iteration. */
    reusedFromBuild: integer("reused_from_build"),
    reusedFromIteration: integer("reused_from_iteration"),
    /** How long the build took, from lease (or pipeline start) to result; null while unfinished or reused. */
    durationMs: integer("duration_ms"),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("builds_node").on(t.iterationId, t.arch, t.pkgbase),
    index("builds_identity").on(t.namespaceId, t.identity),
    index("builds_history").on(t.arch, t.pkgbase, t.status),
    index("builds_status").on(t.status),
    // Counting an iteration's builds by status (lists, the ETA's freshness check) reads this index only.
    index("builds_iteration_status").on(t.iterationId, t.status),
    uniqueIndex("builds_lease").on(t.leaseId),
  ],
);

export const artifacts = sqliteTable(
  "artifacts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    iterationId: integer("iteration_id")
      .notNull()
      .references(() => iterations.id),
    arch: text("arch").notNull(),
    buildId: integer("build_id")
      .notNull()
      .references(() => builds.id),
    fileName: text("file_name").notNull(),
    size: integer("size").notNull(),
    /** Uploaded by a build that has not reported built yet: kept out of the repository until it does. */
    staged: integer("staged", { mode: "boolean" }).notNull().default(false),
    /** JSON RepoEntry: what the repository database needs about this package. */
    entry: text("entry", { mode: "json" }).notNull(),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("artifacts_file").on(t.iterationId, t.arch, t.fileName)],
);

/** A worker as seen by the server; it authenticates with the bot token of the same name (scope `worker`). */
export const workers = sqliteTable("workers", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  architectures: text("architectures", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  lastSeen: text("last_seen"),
  createdAt: text("created_at").notNull().default(now),
});

/**
 * Builds dispatched as GitLab pipelines (RUN_BUILDS_ON_GITLAB), one row per dispatch; a build's newest row
 * is its current one. The row is written before GitLab is asked, so a pipeline is never created unrecorded.
 */
export const pipelines = sqliteTable(
  "pipelines",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    buildId: integer("build_id")
      .notNull()
      .references(() => builds.id),
    /** The build's attempt this dispatch is. */
    attempt: integer("attempt").notNull(),
    /** GitLab project full path and the ref the pipeline runs on. */
    project: text("project").notNull(),
    ref: text("ref").notNull(),
    /** sha256 of the build token the pipeline carries; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    /** creating → following → ended; cancelling when GitLab must still be told to cancel it. */
    state: text("state", { enum: ["creating", "following", "cancelling", "ended"] }).notNull(),
    projectId: integer("project_id"),
    pipelineId: integer("pipeline_id"),
    webUrl: text("web_url"),
    /** The last status GitLab reported. */
    gitlabStatus: text("gitlab_status"),
    /** Why it ended, or what went wrong last, in one sentence. */
    note: text("note"),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("pipelines_token").on(t.tokenHash),
    index("pipelines_state").on(t.state),
    index("pipelines_build").on(t.buildId),
  ],
);

/** One row rewritten by every readiness check: a real write proves the database still takes them. */
export const healthProbe = sqliteTable("health_probe", {
  id: integer("id").primaryKey(),
  checkedAt: text("checked_at").notNull(),
});

/** People who logged in through single sign-on. Their role follows their groups, refreshed at login and daily. */
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** The identity provider's `sub`: stable, unlike names. */
  subject: text("subject").notNull().unique(),
  name: text("name").notNull(),
  email: text("email"),
  role: text("role", { enum: ["reader", "packager", "admin"] }).notNull(),
  groups: text("groups", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  createdAt: text("created_at").notNull().default(now),
  lastLoginAt: text("last_login_at"),
});

/**
 * API tokens. Personal ones act as their user with the user's current role; bot ones carry scopes. Only the
 * sha256 of a token is kept: it is shown once, at creation.
 */
export const tokens = sqliteTable(
  "tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: ["personal", "bot"] }).notNull(),
    name: text("name").notNull(),
    userId: integer("user_id").references(() => users.id),
    /** JSON array of scopes (bots); personal tokens have none of their own. */
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: text("expires_at"),
    revokedAt: text("revoked_at"),
    revokedBy: text("revoked_by"),
    lastUsedAt: text("last_used_at"),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("tokens_user").on(t.userId)],
);

/** Web UI sessions: the cookie holds a random id; only its sha256 is stored. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    idHash: text("id_hash").notNull().unique(),
    /** Null for a session opened with the bootstrap admin token. */
    userId: integer("user_id").references(() => users.id),
    /** Secret the forms' CSRF tokens are derived from. */
    csrfSecret: text("csrf_secret").notNull(),
    /** The identity provider's refresh token, used to re-read the user's groups daily. */
    refreshToken: text("refresh_token"),
    rolesCheckedAt: text("roles_checked_at").notNull().default(now),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/** Every mutation and every refused attempt: who, what, on what, how it ended, from where. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull().default(now),
    /** A user's name, a token's name, "admin" (bootstrap token) or "anonymous". */
    actor: text("actor").notNull(),
    actorKind: text("actor_kind", {
      enum: ["anonymous", "user", "bot", "bootstrap", "host"],
    }).notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    /** "ok", or "refused" for 401/403/429, or "failed" for other errors. */
    result: text("result", { enum: ["ok", "refused", "failed"] }).notNull(),
    status: integer("status").notNull(),
    remoteAddress: text("remote_address"),
    detail: text("detail"),
  },
  (t) => [index("audit_at").on(t.at), index("audit_target").on(t.target)],
);
