// What the server stores, in domain words (rows are mapped to these in db/).
import type { Role, Scope } from "./access";
import type { BuildStatus } from "./build-states";
import type { BumpMode, PkgrelBump } from "./bump";
import type { ArchGraph } from "./graph";
import type { GraphDiff } from "./graph-diff";
import type { IncludeKind, Version } from "./types";

export type NamespaceStatus = "active" | "cancelled";
export type IterationReason = "first" | "origin_changesets_changed" | "graph_changed" | "retry";

export interface NamespaceRecord {
  id: number;
  name: string;
  status: NamespaceStatus;
  originChangesets: string[];
  include: IncludeKind[];
  /** Whether rebuilds get their pkgrel bumped. */
  bump: BumpMode;
  /** Why the newest sources could not become an iteration (unknown ref, broken .SRCINFO); null when they could. */
  problem: string | null;
  /** Who made it (a user's or bot token's name, "admin" for the bootstrap token); null before this was kept. */
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OriginAt {
  pkgbase: string;
  ref: string;
  commit: string;
}

export interface IterationRecord {
  id: number;
  namespaceId: number;
  reason: IterationReason;
  diff: GraphDiff | null;
  origins: OriginAt[];
  originChangesets: string[];
  graph: Record<string, ArchGraph>;
  createdAt: string;
  /** When retention removed its repositories from disk; null while they are kept. */
  prunedAt: string | null;
}

export interface PackageSpec {
  pkgname: string;
  /** `any` or the build's architecture. */
  arch: string;
  file: string;
  depends: string[];
  optdepends: string[];
  provides: string[];
  conflicts: string[];
  replaces: string[];
}

/** Everything a worker needs to know about what a build must produce. */
/** An origin is built as the packager committed it; every other node of a namespace is a rebuild. */
export type NodeKind = "origin" | "rebuild";

export interface BuildSpec {
  /** The version the build produces: the committed one, with a rebuild's pkgrel bump applied. */
  version: Version;
  /** Absent in rows written before rebuilds were told apart. */
  kind?: NodeKind;
  /** A rebuild's pkgrel bump, decided by the server once per node; null (or absent in old rows) when built as committed. */
  bump?: PkgrelBump | null;
  packages: PackageSpec[];
  /** `<pkgbase>-debug`'s file, which an architecture-specific build may also upload; absent in old rows. */
  debugFile?: string | null;
}

export interface BuildRecord {
  id: number;
  iterationId: number;
  namespaceId: number;
  arch: string;
  pkgbase: string;
  commit: string;
  ref: string;
  position: number;
  status: BuildStatus;
  attempts: number;
  failureReason: string | null;
  spec: BuildSpec;
  /** The pkgrel a rebuild is built with (spec.bump.to), or null when built as committed. */
  pkgrelBump: string | null;
  leaseId: string | null;
  leaseWorker: string | null;
  leaseExpiresAt: number | null;
  pipelineId: number | null;
  pipelineUrl: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** What decides the build's output, as a hash (core/build-identity.ts); null for builds older than identities. */
  identity: string | null;
  /** The build whose packages this node took instead of being built, and that build's iteration. */
  reusedFromBuild: number | null;
  reusedFromIteration: number | null;
  /** From lease (or pipeline start) to result; null while unfinished and for reused nodes. */
  durationMs: number | null;
}

export interface WorkerRecord {
  id: number;
  name: string;
  architectures: string[];
  lastSeen: string | null;
  createdAt: string;
}

export interface UserRecord {
  id: number;
  subject: string;
  name: string;
  email: string | null;
  role: Role;
  groups: string[];
  createdAt: string;
  lastLoginAt: string | null;
}

export interface TokenRecord {
  id: number;
  kind: "personal" | "bot";
  name: string;
  userId: number | null;
  scopes: Scope[];
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface SessionRecord {
  id: number;
  userId: number | null;
  csrfSecret: string;
  refreshToken: string | null;
  rolesCheckedAt: string;
  expiresAt: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorKind: "anonymous" | "user" | "bot" | "bootstrap" | "host";
  action: string;
  target: string;
  result: "ok" | "refused" | "failed";
  status: number;
  remoteAddress: string | null;
  detail: string | null;
}
