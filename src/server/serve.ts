// `buildbtw serve`: the composition root. Wires the real database, sources, pacman adapter, scheduler
// and loops, then serves createApp over HTTP.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { GitlabConfig, ServerConfig } from "../config/server";
import { ACTIVE_STATUSES } from "../core/build-states";
import { Invalid } from "../core/errors";
import { listArtifactArches } from "../db/artifacts";
import { getBuild, listBuildsByStatus, listDurationHistory, listQueueable } from "../db/builds";
import { discardDraftSlice, getIterationById, latestIterationIds, listDraftIterations } from "../db/iterations";
import { drainLegacyLogs } from "../db/logs";
import { latestBuildCounts, leasedBuildCount } from "../db/metrics";
import { getNamespaceById, listNamespaces } from "../db/namespaces";
import { applyMigrations, openDatabase } from "../db/open";
import { createGitlabClient, projectFullPath, RepositoryFetcher } from "../gitlab";
import { freeBytes } from "../lib/disk";
import { createLogger, type Logger, messageOf } from "../lib/log";
import { pathInside } from "../lib/paths";
import { isDiskFull } from "../lib/receive";
import { checkUploadFile, linkPackage, RepoIndex, storePackageFile } from "../pacman";
import { createApp, createMetricsApp } from "./app";
import { AuthFailures } from "./auth-failures";
import { createCatalog } from "./catalog";
import type { GitlabMode, ServerDeps } from "./deps";
import { ServerEvents } from "./events";
import { GraphIndexCache } from "./graph-index";
import { uploadsDir } from "./http/uploads";
import { Lifecycle } from "./lifecycle";
import { BuildLogStore } from "./log-store";
import { startIdentityUpkeep } from "./loops/identity-upkeep";
import { startLeaseExpiry } from "./loops/lease-expiry";
import { Liveness } from "./loops/liveness";
import { startOutcomeNotifications } from "./loops/notify-outcomes";
import { PipelineDispatcher } from "./loops/pipeline-dispatch";
import { PipelineFollower } from "./loops/pipeline-follow";
import { RecomputeLoop } from "./loops/recompute";
import { startRetention } from "./loops/retention";
import { startSourceTracking } from "./loops/source-tracking";
import { ServerMetrics } from "./metrics";
import { createOidcClient } from "./oidc";
import { Planning } from "./planning";
import { type RepoIndexLike, RepoPublisher } from "./repo-publisher";
import { Scheduler } from "./scheduler";
import { newToken } from "./tokens";
import { stopNamespacePipelines } from "./usecases/stop-namespace-pipelines";
import { sweepLeftovers } from "./usecases/sweep-leftovers";
import { Webhooks } from "./webhooks";

/** How long a stop waits for requests in flight before it closes their connections. */
const STOP_DRAIN_MS = 7000;
/** How often a server that started on a full disk tries its writes again. */
const DISK_RETRY_MS = 5000;

export interface RunningServer {
  url: string;
  deps: ServerDeps;
  stop(): Promise<void>;
}

/**
 * The bootstrap admin token from settings, else the one kept in DATA_DIR/admin-token (created on first start);
 * none with BUILDBTW_ADMIN_TOKEN=off, once single sign-on and admin users work.
 */
export function adminToken(config: ServerConfig): { token: string | null; file: string | null } {
  if (config.adminToken === "off") return { token: null, file: null };
  if (config.adminToken) return { token: config.adminToken, file: null };
  const file = join(config.dataDir, "admin-token");
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${newToken("admin")}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { token: readFileSync(file, "utf8").trim(), file };
}

/**
 * Where builds fetch a pkgbase's sources: BUILDBTW_SOURCE_URL_TEMPLATE with `{pkgbase}` replaced; else, in GitLab
 * mode, the pkgbase's GitLab project; else the local repository under REPOS_DIR.
 */
export function sourceUrlOf(config: ServerConfig): (pkgbase: string) => string {
  const template = config.sourceUrlTemplate;
  if (template) return (pkgbase) => template.replaceAll("{pkgbase}", pkgbase);
  if (config.gitlab) {
    const { url, group } = config.gitlab;
    return (pkgbase) => `${url}/${projectFullPath(group, pkgbase)}.git`;
  }
  return (pkgbase) => pathInside(config.reposDir, pkgbase);
}

/**
 * GitLab mode (src/gitlab/README.md, GitLab mode): source tracking (webhook route, origin fetches, activity sweep),
 * pipeline following, and with RUN_BUILDS_ON_GITLAB the dispatcher that turns pending builds into pipelines. Made
 * before the server's deps, which carry it; `start` runs its loops once the deps exist.
 */
function gitlabMode(
  config: GitlabConfig,
  parts: { reposDir: string; log: Logger; metrics: ServerMetrics },
  signal: AbortSignal,
): { mode: GitlabMode; start(deps: ServerDeps): void } {
  const { log, metrics } = parts;
  const client = createGitlabClient(
    { url: config.url, token: config.token, group: config.group },
    {
      signal,
      onAttempt: (status) => metrics.gitlabCalls.inc({ status: String(status) }),
      onRetry: (e) =>
        log.warn("GitLab call retried", {
          what: e.what,
          attempt: e.attempt,
          delay_ms: e.delayMs,
          reason: e.reason,
        }),
    },
  );
  const fetcher = new RepositoryFetcher(
    parts.reposDir,
    (target) => client.cloneUrl(target.fullPath),
    { url: config.url, token: config.token },
    config.fetchConcurrency,
    signal,
  );
  // The follower and dispatcher need the deps, which need this mode: they exist once `start` ran.
  let follower: PipelineFollower | null = null;
  let dispatcher: PipelineDispatcher | null = null;
  const mode: GitlabMode = {
    config,
    client,
    fetcher,
    pokePipeline: (id) => follower?.poke(id),
    wake: () => {
      dispatcher?.wake();
      follower?.wake();
    },
  };
  const start = (deps: ServerDeps) => {
    follower = new PipelineFollower(deps, mode, (id) => dispatcher?.creating.has(id) ?? false);
    if (config.runBuilds) dispatcher = new PipelineDispatcher(deps, mode);
    void follower.run(signal);
    void dispatcher?.run(signal);
    deps.events.subscribe((event) => {
      if (event.type !== "namespace") return;
      if (getNamespaceById(deps.db, event.namespaceId)?.status !== "cancelled") return;
      try {
        stopNamespacePipelines(deps, event.namespaceId, "the namespace was cancelled");
      } catch (error) {
        deps.log.error("cancelling pipelines failed", { namespace_id: event.namespaceId, error: String(error) });
      }
    });
    startSourceTracking(deps, mode, signal);
    deps.log.info("GitLab mode", {
      url: config.url,
      group: config.group,
      run_builds: config.runBuilds,
      webhooks: Boolean(config.webhookSecret || config.webhookSigningToken),
      ci_config_path: config.ciConfigPath,
    });
  };
  return { mode, start };
}

export interface StartOptions {
  /** The server's one clock (ms since the epoch); tests pass one they move by hand. */
  now?: () => number;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const log = createLogger("server", config.log);
  const abort = new AbortController();
  const db = openDatabase(config.databasePath, {
    onDiskFull: () =>
      log.warn("disk full at start: the database is open for this process alone until the next restart", {
        database: config.databasePath,
      }),
  });
  const admin = adminToken(config);
  if (admin.file) log.info("admin token", { file: admin.file });
  if (admin.token === null) log.info("the bootstrap admin token is off (BUILDBTW_ADMIN_TOKEN=off)");
  // GitLab mode clones into REPOS_DIR, which may not exist yet on a fresh server.
  if (config.gitlab) mkdirSync(config.reposDir, { recursive: true });
  const catalog = await createCatalog(config, log, sourceUrlOf(config));
  const loop = new RecomputeLoop(() => deps);
  const graphs = new GraphIndexCache(db);
  const planning = new Planning(
    graphs,
    { defaultEstimateMs: config.defaultEstimateMs, order: config.scheduleOrder },
    () => scheduler.reprioritize(),
  );
  planning.load(listDurationHistory(db));
  const scheduler = new Scheduler(planning.priorityOf);
  const metrics = new ServerMetrics({
    buildCounts: () => latestBuildCounts(db),
    readyQueues: () => scheduler.readyStats(),
    slots: () => ({ busy: leasedBuildCount(db), idle: scheduler.waiting }),
    freeDisk: () =>
      [...new Set([config.dataDir, dirname(config.databasePath)])].map((path) => ({ path, bytes: freeBytes(path) })),
  });
  /** Every repository database written counts once (metrics), whoever asked for it. */
  const countedIndex = (name: string): RepoIndexLike => {
    const index = new RepoIndex(name);
    return {
      put: (stored) => index.put(stored as Parameters<RepoIndex["put"]>[0]),
      write: async (dir, which) => {
        await index.write(dir, which);
        metrics.repoRewrites.inc({ which });
      },
    };
  };
  const gitlab = config.gitlab
    ? gitlabMode(config.gitlab, { reposDir: config.reposDir, log, metrics }, abort.signal)
    : null;
  const deps: ServerDeps = {
    db,
    config,
    adminToken: admin.token,
    authFailures: new AuthFailures(config.authFailureLimit, 60_000, now),
    oidc: config.oidc ? createOidcClient(config.oidc, log) : null,
    scheduler,
    catalog,
    lifecycle: new Lifecycle(),
    logs: new BuildLogStore(join(config.dataDir, "logs"), config.maxLogBytes),
    publisher: new RepoPublisher(db, config.dataDir, countedIndex, (error, repo) =>
      log.error("repository database write failed", { repo, error: String(error) }),
    ),
    packages: { check: (upload) => checkUploadFile(upload), store: storePackageFile, link: linkPackage },
    events: new ServerEvents(),
    graphs,
    planning,
    log,
    requestRecompute: (id, reason) => loop.request(id, reason),
    now,
    metrics,
    liveness: new Liveness(),
    webhooks: new Webhooks(config.ops.webhooks, log, metrics, config.baseUrl, abort.signal, now),
    gitlab: gitlab?.mode,
  };

  // Iterations a crash left half written were never visible: they go (with the package files linked into
  // their repositories, which then no artifact row owns), and their namespaces are recomputed below.
  const drafts = listDraftIterations(db);
  for (const d of drafts) while (!discardDraftSlice(db, d.id));
  if (drafts.length > 0)
    log.info("removed iterations a crash left half written", { iterations: drafts.map((d) => d.id) });
  const swept = sweepLeftovers(deps, uploadsDir(deps));
  if (swept.uploads + swept.tempFiles.length + swept.orphanedPackages.length + swept.locks.length > 0)
    log.info("removed what a crash left behind", {
      upload_temporaries: swept.uploads,
      temp_files: swept.tempFiles,
      orphaned_packages: swept.orphanedPackages,
      git_locks: swept.locks,
    });
  try {
    const moved = drainLegacyLogs(db, (buildId, text) => deps.logs.append(buildId, text));
    if (moved > 0) log.info("build logs moved from the database into files", { builds: moved });
    // The migration dropping the old table waited for that.
    applyMigrations(db);
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    log.warn("disk full: build logs stay in the database until the next start", {});
  }

  // After a restart: offer the pending builds of every active namespace's latest iteration again.
  const latest = latestIterationIds(db);
  const current = listNamespaces(db, { all: false })
    .map((ns) => latest.get(ns.id))
    .filter((id): id is number => id !== undefined);
  for (const b of listQueueable(db, current)) deps.scheduler.enqueue(b);
  // Databases are written without fsync (they are derived): rewrite the current ones from SQLite. On a
  // full disk the server still starts (reads work); the rewrite is tried again until it succeeds.
  const republish = async (): Promise<boolean> => {
    try {
      for (const ns of listNamespaces(db, { all: true })) {
        const it = latest.get(ns.id);
        if (it === undefined) continue;
        const planned = Object.keys(getIterationById(db, it)?.graph ?? {});
        for (const arch of new Set([...planned, ...listArtifactArches(db, it)]))
          await deps.publisher.publish(ns.name, it, arch);
      }
      return true;
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      log.warn("disk full: serving read-only until space returns", { data_dir: config.dataDir });
      return false;
    }
  };
  if (!(await republish())) {
    const retry = setInterval(async () => {
      if (await republish().catch(() => false)) {
        clearInterval(retry);
        log.info("disk space is back: repository databases rewritten");
      }
    }, DISK_RETRY_MS);
    abort.signal.addEventListener("abort", () => clearInterval(retry));
  }
  for (const b of listBuildsByStatus(db, [...ACTIVE_STATUSES]))
    planning.noteStatus(b.namespaceId, b.id, true, () => b.arch);
  deps.events.subscribe((event) => {
    if (event.type !== "build") return;
    const running = (ACTIVE_STATUSES as readonly string[]).includes(event.status);
    planning.noteStatus(event.namespaceId, event.buildId, running, () => getBuild(db, event.buildId)?.arch);
  });
  // Uploads of builds that ended while the server was down (or that it never heard the end of) go.
  await deps.publisher.sweepStaging((id) => {
    const status = getBuild(db, id)?.status;
    return status === "scheduled" || status === "building";
  });
  startLeaseExpiry(deps, abort.signal);
  startIdentityUpkeep(deps, abort.signal);
  startRetention(deps, abort.signal);
  startOutcomeNotifications(deps, abort.signal);
  gitlab?.start(deps);
  // The ref check is the loop that notices moved branches: readiness says so when it stops completing.
  const refCheckSilenceMs = 3 * config.refCheckIntervalMs + 60_000;
  deps.liveness.beat("ref-check", refCheckSilenceMs);
  const refCheck = () => loop.request().then(() => deps.liveness.beat("ref-check", refCheckSilenceMs));
  const refTimer = setInterval(() => void refCheck(), config.refCheckIntervalMs);
  void refCheck();
  for (const namespaceId of new Set(drafts.map((d) => d.namespaceId))) void loop.request(namespaceId);

  const app = createApp(deps);
  const stopLoops = () => {
    abort.abort();
    planning.stop();
    clearInterval(refTimer);
  };
  // Long-polling lease requests wait up to a minute; keep idle connections open longer than that.
  const server = listenOn(config.interface, config.port, "PORT (--port)", stopLoops, () =>
    Bun.serve({
      port: config.port,
      hostname: config.interface,
      fetch: app.fetch,
      idleTimeout: 120,
      // Every route enforces its own body limit (with a sentence); Bun's default (128 MiB) must not apply
      // before the largest, package uploads (BUILDBTW_MAX_UPLOAD_BYTES), had its say.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    }),
  );
  const url = config.baseUrl;
  log.info("listening", { url, interface: config.interface, port: server.port, data_dir: config.dataDir });
  const listen = config.ops.metricsListen;
  const metricsServer = listen
    ? listenOn(
        listen.host,
        listen.port,
        "BUILDBTW_METRICS_LISTEN",
        () => {
          stopLoops();
          void server.stop(true);
        },
        () => Bun.serve({ port: listen.port, hostname: listen.host, fetch: createMetricsApp(deps).fetch }),
      )
    : null;
  if (metricsServer) log.info("metrics listening", { url: `http://${listen!.host}:${metricsServer.port}/metrics` });
  return {
    url,
    deps,
    async stop() {
      // No new leases or uploads; long polls end now; loops stop; requests in flight get until the drain
      // deadline to finish their writes (SIGTERM must end the process within 10 s).
      deps.lifecycle.beginStop();
      stopLoops();
      void server.stop(false);
      const interrupted = await deps.lifecycle.drain(STOP_DRAIN_MS);
      await server.stop(true);
      await metricsServer?.stop(true);
      const flushed = await deps.publisher.flush().then(
        () => null,
        (error) => messageOf(error),
      );
      catalog.close();
      db.$client.close();
      log.info("stopped", { interrupted, ...(flushed ? { repository_databases_not_written: flushed } : {}) });
    },
  };
}

/**
 * Bun.serve, with a port someone else holds (or a forbidden one) said as a sentence naming the setting; on
 * failure `undo` stops what was started before.
 */
function listenOn<T>(host: string, port: number, setting: string, undo: () => unknown, serve: () => T): T {
  try {
    return serve();
  } catch (error) {
    undo();
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new Invalid(
        `cannot listen on ${host}:${port}: the port is in use (another serve?); stop it or change ${setting}`,
      );
    if (code === "EACCES")
      throw new Invalid(
        `cannot listen on ${host}:${port}: permission denied (ports below 1024 need root); change ${setting}`,
      );
    throw error;
  }
}
