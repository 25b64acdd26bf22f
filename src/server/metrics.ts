// Prometheus metrics of one server, through prom-client (its text format, histograms and default
// process metrics are what Prometheus' own tooling expects; hand-written exposition would drift).
// Counters and histograms are moved where things happen (use cases, the publisher, the GitLab
// transport); gauges that describe state are read when scraped, so they can never go stale.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read at scrape time; wired by serve.ts. */
export interface MetricsSources {
  /** Builds of every namespace's latest iteration, by status and architecture. */
  buildCounts(): { status: string; arch: string; n: number }[];
  /** Ready builds per architecture and how long the oldest has waited. */
  readyQueues(): { arch: string; depth: number; oldestMs: number }[];
  /** Builds holding a lease (busy slots) and lease requests waiting for work (idle slots). */
  slots(): { busy: number; idle: number };
  /** Free bytes on the filesystems that hold the data directory and the database. */
  freeDisk(): { path: string; bytes: number }[];
}

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly buildsFinished: Counter<"status" | "arch">;
  readonly dispatchLatency: Histogram<"arch">;
  readonly buildDuration: Histogram<"status" | "arch">;
  readonly leaseExpiries: Counter<"outcome">;
  readonly uploads: Counter<"arch">;
  readonly uploadBytes: Counter<"arch">;
  readonly repoRewrites: Counter<"which">;
  readonly gitlabCalls: Counter<"status">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly retentionFreedBytes: Counter;
  readonly webhookDeliveries: Counter<"event" | "result">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "buildbtw_" });
    new Gauge({
      name: "buildbtw_builds",
      help: "Builds of every namespace's latest iteration, by status and architecture",
      labelNames: ["status", "arch"],
      registers,
      collect() {
        this.reset();
        for (const r of sources.buildCounts()) this.set({ status: r.status, arch: r.arch }, r.n);
      },
    });
    const depth = new Gauge({
      name: "buildbtw_ready_queue_depth",
      help: "Builds ready to be handed out, per architecture",
      labelNames: ["arch"],
      registers,
    });
    new Gauge({
      name: "buildbtw_ready_oldest_age_seconds",
      help: "How long the oldest ready build has waited, per architecture",
      labelNames: ["arch"],
      registers,
      collect() {
        this.reset();
        depth.reset();
        for (const q of sources.readyQueues()) {
          depth.set({ arch: q.arch }, q.depth);
          this.set({ arch: q.arch }, q.oldestMs / 1000);
        }
      },
    });
    new Gauge({
      name: "buildbtw_worker_slots",
      help: "Worker slots building (busy: leases held) and asking for work (idle: lease requests waiting)",
      labelNames: ["state"],
      registers,
      collect() {
        const s = sources.slots();
        this.set({ state: "busy" }, s.busy);
        this.set({ state: "idle" }, s.idle);
      },
    });
    new Gauge({
      name: "buildbtw_disk_free_bytes",
      help: "Bytes free for buildbtw on the filesystem of the data directory and of the database",
      labelNames: ["path"],
      registers,
      collect() {
        this.reset();
        for (const d of sources.freeDisk()) this.set({ path: d.path }, d.bytes);
      },
    });
    this.buildsFinished = new Counter({
      name: "buildbtw_builds_finished_total",
      help: "Builds that ended, by result and architecture",
      labelNames: ["status", "arch"],
      registers,
    });
    this.dispatchLatency = new Histogram({
      name: "buildbtw_dispatch_latency_seconds",
      help: "Time from a build becoming ready to its lease",
      labelNames: ["arch"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.buildDuration = new Histogram({
      name: "buildbtw_build_duration_seconds",
      help: "Time from a build's start (lease or pipeline) to its result",
      labelNames: ["status", "arch"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.leaseExpiries = new Counter({
      name: "buildbtw_lease_expiries_total",
      help: "Leases that expired without a heartbeat; outcome: pending (offered again) or failed (attempts used up)",
      labelNames: ["outcome"],
      registers,
    });
    this.uploads = new Counter({
      name: "buildbtw_uploads_total",
      help: "Package files accepted",
      labelNames: ["arch"],
      registers,
    });
    this.uploadBytes = new Counter({
      name: "buildbtw_upload_bytes_total",
      help: "Bytes of package files accepted",
      labelNames: ["arch"],
      registers,
    });
    this.repoRewrites = new Counter({
      name: "buildbtw_repo_database_rewrites_total",
      help: "Pacman repository databases written (db: the .db, files: the .files database)",
      labelNames: ["which"],
      registers,
    });
    this.gitlabCalls = new Counter({
      name: "buildbtw_gitlab_api_calls_total",
      help: "Requests to GitLab's API by HTTP status (error: no answer)",
      labelNames: ["status"],
      registers,
    });
    this.httpRequests = new Counter({
      name: "buildbtw_http_requests_total",
      help: "HTTP requests served, by method, route and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "buildbtw_http_request_duration_seconds",
      help: "Time to answer HTTP requests (long polls and live streams included), by method, route and status",
      labelNames: ["method", "route", "status"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.retentionFreedBytes = new Counter({
      name: "buildbtw_retention_freed_bytes_total",
      help: "Bytes freed on disk by the retention sweep",
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: "buildbtw_webhook_deliveries_total",
      help: "Webhook delivery attempts by event type and result (delivered, retry, gave_up)",
      labelNames: ["event", "result"],
      registers,
    });
    // Series that exist from the start, so rate() and alerts see a zero rather than nothing.
    for (const outcome of ["pending", "failed"]) this.leaseExpiries.inc({ outcome }, 0);
    for (const which of ["db", "files"]) this.repoRewrites.inc({ which }, 0);
  }

  /** A build ended (worker, pipeline or expiry) at `now` (ms, the server's clock): count it and its duration. */
  buildEnded(b: { arch: string; startedAt: string | null }, status: "built" | "failed", now: number): void {
    this.buildsFinished.inc({ status, arch: b.arch });
    const started = b.startedAt ? Date.parse(b.startedAt) : Number.NaN;
    if (!Number.isNaN(started)) this.buildDuration.observe({ status, arch: b.arch }, Math.max(0, now - started) / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
