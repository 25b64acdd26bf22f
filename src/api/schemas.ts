// The /api/v1 contract: zod schemas shared by server, client, worker and executor.
// Field names are snake_case on the wire, as README.md, The API, writes them.
import { z } from "zod";
import { BUMP_MODES } from "../core/bump";
import {
  InvalidName,
  parseArch,
  parseCommitId,
  parseNamespaceName,
  parseOriginChangeset,
  parsePkgbase,
} from "../core/names";

/** A zod string that must pass one of core/names' parsers; the parser's sentence becomes the issue. */
function named<T>(parse: (v: string) => T) {
  return z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof InvalidName ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

export const NamespaceNameSchema = named(parseNamespaceName);
export const PkgbaseSchema = named(parsePkgbase);
export const ArchSchema = named(parseArch);
export const CommitSchema = named(parseCommitId);
export const OriginChangesetSchema = z.string().superRefine((value, ctx) => {
  try {
    parseOriginChangeset(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
  }
});
/**
 * A number in a path or query (ids, offsets, pages): plain decimal digits only, so each has one spelling;
 * `0x1`, `1e0`, `+1`, ` 1` and `00001` are refused rather than read as 1.
 */
export const wholeNumber = (what: string, min: 0 | 1 = 1) =>
  z
    .string({ error: `${what} must be a whole number` })
    .regex(
      min === 1 ? /^[1-9][0-9]{0,14}$/ : /^(0|[1-9][0-9]{0,14})$/,
      `${what} must be a ${min === 1 ? "positive " : ""}whole number in plain digits, like ${min === 1 ? 42 : "0 or 42"}`,
    )
    .transform(Number);

/** At most this many origin changesets in one namespace or plan; repeats count once. */
export const MAX_ORIGIN_CHANGESETS = 500;
const OriginChangesets = z
  .array(OriginChangesetSchema)
  .min(1, "name at least one origin changeset, e.g. zlib/main")
  .max(MAX_ORIGIN_CHANGESETS, `name at most ${MAX_ORIGIN_CHANGESETS} origin changesets`)
  .transform((list) => [...new Set(list)]);

export const BumpModeSchema = z.enum(BUMP_MODES);
export const IncludeSchema = z.array(z.enum(["makedepends", "checkdepends"])).default([]);

export const NAMESPACE_STATUSES = ["active", "cancelled"] as const;
export const NamespaceStatusSchema = z.enum(NAMESPACE_STATUSES);
export const ITERATION_REASONS = ["first", "origin_changesets_changed", "graph_changed", "retry"] as const;
export const IterationReasonSchema = z.enum(ITERATION_REASONS);
export const BUILD_STATUSES = ["blocked", "pending", "scheduled", "building", "built", "failed"] as const;
export const BuildStatusSchema = z.enum(BUILD_STATUSES);

// ── namespaces ───────────────────────────────────────────────────────────────

export const CreateNamespace = z.strictObject({
  origin_changesets: OriginChangesets,
  name: NamespaceNameSchema.optional(),
  include: IncludeSchema,
  /** "none" builds rebuilds as committed (for namespaces that only test); default "rebuild" bumps their pkgrel. */
  bump: BumpModeSchema.default("rebuild"),
});
export type CreateNamespace = z.output<typeof CreateNamespace>;

export const UpdateNamespace = z.strictObject({
  status: NamespaceStatusSchema.optional(),
  origin_changesets: OriginChangesets.optional(),
});

export const Namespace = z.object({
  name: z.string(),
  status: NamespaceStatusSchema,
  origin_changesets: z.array(z.string()),
  include: z.array(z.string()),
  bump: BumpModeSchema,
  /** Why the newest sources could not become an iteration (unknown ref, broken .SRCINFO); null when they could. */
  problem: z.string().nullable(),
  /** Who opened it: a user's or bot token's name, "admin" for the bootstrap token; null for older ones. */
  created_by: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Namespace = z.infer<typeof Namespace>;

export const BuildNode = z.object({
  id: z.number(),
  pkgbase: z.string(),
  commit: z.string(),
  ref: z.string(),
  arch: z.string(),
  status: BuildStatusSchema,
  /** The committed version; built_version differs for a bumped rebuild. */
  version: z.string(),
  built_version: z.string(),
  /** Origins are built as committed; every other node is a rebuild. */
  kind: z.enum(["origin", "rebuild"]),
  /** `1.0-1 → 1.0-2 (rebuild)`, or the version alone when it is built as committed. */
  version_text: z.string(),
  pkgnames: z.array(z.string()),
  attempts: z.number(),
  blocked_by: z.array(z.string()),
  failure_reason: z.string().nullable(),
  worker: z.string().nullable(),
  pipeline_id: z.number().nullable(),
  pipeline_url: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  /** What decides the build's output, as a hash; equal identities in one namespace are built once. */
  identity: z.string().nullable(),
  /** The iteration whose build this node's packages are, when it was reused instead of built. */
  reused_from_iteration: z.number().nullable(),
  /** How long the build took (null while unfinished, and for reused nodes). */
  duration_ms: z.number().nullable(),
  /** How long it is expected to take, and from what: the pkgbase's history, its architecture's, or the default. */
  estimate_ms: z.number(),
  estimate_source: z.enum(["history", "arch", "default"]),
});
export type BuildNode = z.infer<typeof BuildNode>;

const RemovedEdge = z.object({
  from: z.string(),
  to: z.string(),
  kind: z.enum(["depends", "makedepends", "checkdepends"]),
  reason: z.literal("cycle"),
});

export const ArchIteration = z.object({
  nodes: z.array(BuildNode),
  edges: z.array(z.tuple([z.string(), z.string()])),
  removed_edges: z.array(RemovedEdge),
  cycles: z.array(z.array(z.string())),
  /** Pkgnames two or more pkgbases build: their files would collide in the repository (a namespace problem). */
  duplicate_pkgnames: z.array(z.object({ pkgname: z.string(), pkgbases: z.array(z.string()) })),
  order: z.array(z.string()),
  counts: z.record(z.string(), z.number()),
});

/** When an iteration is expected to be done, by simulating the rest of its schedule. */
export const Eta = z.object({
  remaining_ms: z.number(),
  finish_at: z.string(),
  /** Builds still to finish (not built, not failed, not waiting for a failed build). */
  builds_left: z.number(),
  /** Builds that cannot finish: failed, or waiting for a failed build. */
  unfinishable: z.number(),
  /** Per architecture, how many builds at once the simulation counted on. */
  slots: z.record(z.string(), z.number()),
});
export type Eta = z.infer<typeof Eta>;

export const Iteration = z.object({
  id: z.number(),
  reason: IterationReasonSchema,
  created_at: z.string(),
  diff: z.unknown().nullable(),
  origins: z.array(z.object({ pkgbase: z.string(), ref: z.string(), commit: z.string() })),
  superseded: z.boolean(),
  /** Null when nothing is left to build, the iteration is superseded or the namespace cancelled. */
  eta: Eta.nullable(),
  /** When retention removed this iteration's repositories (its records stay); null while they are kept. */
  pruned_at: z.string().nullable().optional(),
  architectures: z.record(z.string(), ArchIteration),
  repository: z.object({ name: z.string(), urls: z.record(z.string(), z.string()), pacman_conf: z.string() }),
});
export type Iteration = z.infer<typeof Iteration>;

export const IterationSummary = z.object({
  id: z.number(),
  reason: IterationReasonSchema,
  created_at: z.string(),
  pruned_at: z.string().nullable().optional(),
});

/** Who did what to a namespace (create, cancel, resume, retry, edit), newest first, from the audit log. */
export const Activity = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
});
export type Activity = z.infer<typeof Activity>;

export const NamespaceDetail = z.object({
  namespace: Namespace,
  iteration: Iteration.nullable(),
  iterations: z.array(IterationSummary),
  activity: z.array(Activity),
});
export type NamespaceDetail = z.infer<typeof NamespaceDetail>;

export const NamespaceListItem = Namespace.extend({
  latest_iteration: IterationSummary.nullable(),
  counts: z.record(z.string(), z.number()),
  eta: Eta.nullable(),
});
export const NamespaceList = z.object({ namespaces: z.array(NamespaceListItem) });

export const ShowQuery = z.strictObject({
  iteration: wholeNumber("the iteration").optional(),
  arch: ArchSchema.optional(),
});

// ── the release check ───────────────────────────────────────────────────────

export const ReleaseFile = z.object({ file: z.string(), pkgname: z.string(), size: z.number(), sha256: z.string() });

export const ReleasePkgbase = z.object({
  pkgbase: z.string(),
  commit: z.string(),
  kind: z.enum(["origin", "rebuild"]),
  status: BuildStatusSchema,
  failure_reason: z.string().nullable(),
  /** The version at main (null for a pkgbase main does not have) and the version built. */
  main_version: z.string().nullable(),
  built_version: z.string(),
  /** A rebuild's pkgrel bump: `buildbtw download --into` applies exactly this to the checkout. */
  bump: z.object({ from: z.string(), to: z.string() }).nullable(),
  /** The built package files, published in the namespace's repository. */
  files: z.array(ReleaseFile),
  /** For origins: the shared-library provisions at main (.SRCINFO) and built (.PKGINFO). */
  sonames: z.object({ before: z.array(z.string()), after: z.array(z.string()) }).nullable(),
});
export type ReleasePkgbase = z.infer<typeof ReleasePkgbase>;

export const UnmetDependency = z.object({
  pkgname: z.string(),
  pkgbase: z.string(),
  version: z.string(),
  source: z.string(),
  needs: z.string(),
  provided: z.array(z.string()),
  sentence: z.string(),
});

export const ReleaseArch = z.object({
  releasable: z.boolean(),
  /** Why not, one sentence each; empty when releasable. */
  reasons: z.array(z.string()),
  pkgbases: z.array(ReleasePkgbase),
  unmet: z.array(UnmetDependency),
  /** False only on the web page while builds are still running: the check waits for them. */
  dependencies_checked: z.boolean(),
});
export type ReleaseArch = z.infer<typeof ReleaseArch>;

export const ReleaseCheck = z.object({
  namespace: z.string(),
  iteration: z.number(),
  /** Whether the iteration is the namespace's latest (only the latest may be released). */
  current: z.boolean(),
  releasable: z.boolean(),
  architectures: z.record(z.string(), ReleaseArch),
});
export type ReleaseCheck = z.infer<typeof ReleaseCheck>;

// ── builds and logs ──────────────────────────────────────────────────────────

export const BuildList = z.object({
  builds: z.array(BuildNode.extend({ namespace: z.string(), iteration: z.number() })),
});

export const NamespaceBuildsQuery = z.strictObject({
  iteration: wholeNumber("the iteration").optional(),
  arch: ArchSchema.optional(),
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",") : undefined))
    .pipe(z.array(BuildStatusSchema).optional()),
});

export const LogQuery = z.strictObject({ offset: wholeNumber("the offset", 0).default(0) });
export const LogChunk = z.object({ build_id: z.number(), offset: z.number(), text: z.string(), finished: z.boolean() });

/** A namespace retry: a new iteration; `rebuild_all` builds every node again instead of reusing equal builds. */
export const RetryNamespace = z.strictObject({ rebuild_all: z.boolean().default(false) });

export const RetryNode = z.strictObject({ pkgbase: PkgbaseSchema, arch: ArchSchema.optional() });

// ── plan: the server's view of a rebuild (src/core/README.md, Build graph) ────────────────────

export const PlanRequest = z.strictObject({
  origin_changesets: OriginChangesets,
  include: IncludeSchema,
  arch: ArchSchema.optional(),
});

/** Exactly what `buildbtw plan --json` prints locally; stats.ms is the server's own time. */
export const Plan = z.object({
  origins: z.array(z.object({ pkgbase: z.string(), ref: z.string(), commit: z.string() })),
  architectures: z.record(
    z.string(),
    z.object({
      nodes: z.array(
        z.object({ pkgbase: z.string(), commit: z.string(), ref: z.string(), pkgnames: z.array(z.string()) }),
      ),
      edges: z.array(z.tuple([z.string(), z.string()])),
      removed_edges: z.array(RemovedEdge),
      cycles: z.array(z.array(z.string())),
      order: z.array(z.string()),
    }),
  ),
  stats: z.object({ pkgbases: z.number(), unresolved: z.number(), skipped_srcinfo: z.number(), ms: z.number() }),
});
export type Plan = z.infer<typeof Plan>;

// ── workers and leases (README.md, Architecture: workers and leases) ───────────────────────────────────────

export const LeaseRequest = z.strictObject({
  architectures: z.array(ArchSchema).min(1),
  wait_ms: z.number().int().min(0).max(60_000).default(25_000),
});

export const PackageMeta = z.object({
  pkgname: z.string(),
  arch: z.string(),
  file: z.string(),
  depends: z.array(z.string()),
  optdepends: z.array(z.string()),
  provides: z.array(z.string()),
  conflicts: z.array(z.string()),
  replaces: z.array(z.string()),
});

export const Lease = z.object({
  lease_id: z.string(),
  ttl_ms: z.number(),
  expires_at: z.string(),
  build_id: z.number(),
  namespace: z.string(),
  iteration: z.number(),
  arch: z.string(),
  pkgbase: z.string(),
  commit: z.string(),
  source_url: z.string(),
  /** The version to build: for a rebuild, the committed one with bump applied. */
  version: z.object({ epoch: z.string().nullable(), pkgver: z.string(), pkgrel: z.string() }),
  /** A rebuild's pkgrel bump: the builder rewrites the PKGBUILD's `pkgrel=from` line to `pkgrel=to`. */
  bump: z.object({ from: z.string(), to: z.string() }).nullable().default(null),
  packages: z.array(PackageMeta),
  expected_files: z.array(z.string()),
  /** Files the build may upload too: `<pkgbase>-debug`, which makepkg writes when it finds debug symbols. */
  optional_files: z.array(z.string()).default([]),
  repository: z.object({ name: z.string(), url: z.string() }),
  attempt: z.number(),
});
export type Lease = z.infer<typeof Lease>;

export const Heartbeat = z.object({ expires_at: z.string(), cancelled: z.boolean() });

// ── builds dispatched as GitLab pipelines (routes.ts pipelineBuild*) ──────────

/** What a pipeline's executor needs to build: a Lease without the lease, plus the pipeline. */
export const PipelineBuild = Lease.omit({ lease_id: true, ttl_ms: true, expires_at: true }).extend({
  /** Null only in the moment between GitLab creating the pipeline and the server recording it. */
  pipeline_id: z.number().nullable(),
  pipeline_url: z.string().nullable(),
});
export type PipelineBuild = z.infer<typeof PipelineBuild>;

/** Answer to a package upload (leases and pipeline builds alike). */
export const Uploaded = z.object({ file: z.string(), size: z.number() });
/** Answer to a result report: how many dependents it made pending. */
export const ResultReported = z.object({ status: z.enum(["built", "failed"]), unblocked: z.number() });

export const BuildResult = z.strictObject({
  status: z.enum(["built", "failed"]),
  reason: z.string().max(2000).optional(),
});

export const TokenCreated = z.object({ worker: z.string(), token: z.string() });

export const Workers = z.object({
  workers: z.array(
    z.object({
      name: z.string(),
      architectures: z.array(z.string()),
      last_seen: z.string().nullable(),
      current_builds: z.array(z.number()),
    }),
  ),
});

/** Every error body: one sentence. */
export const ErrorBody = z.object({ error: z.string() });

// ── identity ─────────────────────────────────────────────────────────────────

/** GET /api/v1/me: who the caller's credentials name, and what they may do. */
export const Me = z.object({
  kind: z.enum(["anonymous", "user", "bot", "bootstrap"]),
  name: z.string(),
  role: z.enum(["reader", "packager", "admin"]).nullable(),
  scopes: z.array(z.string()),
  groups: z.array(z.string()),
  token_id: z.number().nullable(),
  can: z.object({ write_namespaces: z.boolean(), admin: z.boolean() }),
});
export type Me = z.infer<typeof Me>;

export const AuditEntry = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  actor_kind: z.string(),
  action: z.string(),
  target: z.string(),
  result: z.enum(["ok", "refused", "failed"]),
  status: z.number(),
  remote_address: z.string().nullable(),
  detail: z.string().nullable(),
});
export const AuditList = z.object({ entries: z.array(AuditEntry) });
export type AuditList = z.infer<typeof AuditList>;
