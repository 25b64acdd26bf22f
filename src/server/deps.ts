// What use cases get passed in. Only serve.ts (the composition root) builds the real ones.

import type { GitlabConfig, ServerConfig } from "../config/server";
import type { Planner } from "../core/graph";
import type { SourceEntry } from "../core/types";
import type { Db } from "../db/open";
import type { GitlabClient, RepositoryFetcher } from "../gitlab";
import type { Logger } from "../lib/log";
import type { ReceivedFile } from "../lib/receive";
import type { AuthFailures } from "./auth-failures";
import type { ServerEvents } from "./events";
import type { GraphIndexCache } from "./graph-index";
import type { Lifecycle } from "./lifecycle";
import type { BuildLogStore } from "./log-store";
import type { Liveness } from "./loops/liveness";
import type { ServerMetrics } from "./metrics";
import type { OidcClient } from "./oidc";
import type { IterationPlanRequest, PlannedIteration } from "./plan-iteration";
import type { Planning } from "./planning";
import type { RepoPublisher } from "./repo-publisher";
import type { Scheduler } from "./scheduler";
import type { Webhooks } from "./webhooks";

/** The packages' source repositories as the server sees them: the universe at `main`, refreshed on demand. */
export interface SourceCatalog {
  planner(): Planner;
  /** POST /api/v1/plan's body, computed off the event loop (NotFound/Invalid for a bad origin). */
  planJson(request: {
    origin_changesets: string[];
    include: ("makedepends" | "checkdepends")[];
    arch?: string;
  }): Promise<string>;
  /**
   * A namespace's next iteration planned off the event loop (server/plan-iteration.ts); NotFound or Invalid
   * (DomainErrors) when an origin cannot be read.
   */
  planIteration(request: IterationPlanRequest): Promise<PlannedIteration>;
  /** The universe's entry of a pkgbase (at main), if it has one. */
  entry(pkgbase: string): SourceEntry | undefined;
  /** Every pkgbase of the universe at main. */
  entries(): Iterable<SourceEntry>;
  /** A pkgbase at any ref; throws NotFound for an unknown pkgbase or ref, Invalid for a broken .SRCINFO. */
  readAt(pkgbase: string, ref: string): SourceEntry;
  /** Re-read refs; reload what moved. Returns the pkgbases whose main or any ref read so far changed. */
  refresh(): Promise<{ changed: string[] }>;
  /** Where a worker fetches the pkgbase's sources. */
  sourceUrl(pkgbase: string): string;
  /** Pkgbases loaded and repositories skipped (bad or missing .SRCINFO), as `plan` reports them. */
  stats(): { pkgbases: number; skipped: number };
}

/** Package checks and storage (the pacman adapter, wired by serve.ts). */
export interface PackageStore {
  /** Check a received upload against the build; returns the repository entry, throws a 400-class error otherwise. */
  check(input: {
    fileName: string;
    file: ReceivedFile;
    expected: { fileNames: string[]; pkgbase: string; version: string; arch: string };
  }): Promise<unknown>;
  /** Move the received file atomically into the repository directory. */
  store(dir: string, fileName: string, file: ReceivedFile): Promise<void>;
  /**
   * Put a stored package into another repository directory as a hard link (never a copy of the bytes);
   * false when the source file is gone.
   */
  link(fromDir: string, toDir: string, fileName: string): boolean;
}

/** GitLab mode (src/gitlab/README.md, GitLab mode): wired by serve.ts when GITLAB_TOKEN is set. */
export interface GitlabMode {
  config: GitlabConfig;
  client: GitlabClient;
  /** Clones and fetches package repositories, bounded and one git process per repository. */
  fetcher: RepositoryFetcher;
  /** Ask GitLab about this pipeline now (a webhook said it changed). */
  pokePipeline(pipelineId: number): void;
  /** Tell the dispatcher and follower that pipelines need attention (cancelled namespace, freed slot). */
  wake(): void;
}

export interface ServerDeps {
  db: Db;
  config: ServerConfig;
  /** The bootstrap admin token; null when BUILDBTW_ADMIN_TOKEN=off. */
  adminToken: string | null;
  /** Single sign-on; null when BUILDBTW_OIDC_ISSUER is not set. */
  oidc: OidcClient | null;
  /** Failed logins and token checks per address (429 once there are too many). */
  authFailures: AuthFailures;
  scheduler: Scheduler;
  catalog: SourceCatalog;
  publisher: RepoPublisher;
  /** Requests in flight, and whether the server is stopping. */
  lifecycle: Lifecycle;
  /** Build logs, in files under DATA_DIR/logs, capped per build. */
  logs: BuildLogStore;
  packages: PackageStore;
  events: ServerEvents;
  graphs: GraphIndexCache;
  /** Estimates, critical-path priorities and the slots namespaces ran on lately. */
  planning: Planning;
  log: Logger;
  /** Ask for a recompute of one namespace (or all active ones) off the request path. */
  requestRecompute: (namespaceId?: number, reason?: "retry") => Promise<void>;
  now: () => number;
  /** Present in GitLab mode only. */
  gitlab?: GitlabMode;
  /** Prometheus metrics (server/metrics.ts): use cases count what they do here. */
  metrics: ServerMetrics;
  /** Loops beat here each round; readiness reports one that stopped. */
  liveness: Liveness;
  /** Outgoing webhooks (BUILDBTW_WEBHOOK_URLS); emit() never waits for a receiver. */
  webhooks: Webhooks;
}
