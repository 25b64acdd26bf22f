// Live pages: Server-Sent Events built on the in-process event bus. Each stream batches what changed for a
// moment, then sends only the changed parts (rows, counts, headers) as HTML for htmx to swap, plus statuses as
// JSON for the SVG nodes, or appended log text. Every message carries the event sequence number as its id,
// so a reconnecting browser (Last-Event-ID) or a page that connects after rendering (?since=) misses nothing.
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { Artifacts, BuildHead } from "../../../views/build";
import { GroupStats } from "../../../views/graph";
import { NamespaceRowView, Running, Workers } from "../../../views/home";
import { BuildRow, NamespaceHead, reusedCount, StatusTabs, Summary } from "../../../views/namespace";
import { urls } from "../../../views/urls";
import type { BuildNode } from "../../api/schemas";
import type { BuildStatus } from "../../core/build-states";
import { getBuild } from "../../db/builds";
import type { ServerDeps } from "../deps";
import type { ServerEvent, ServerEvents } from "../events";
import { showBuild } from "../usecases/builds";
import { estimateFinish } from "../usecases/estimate-finish";
import type { GraphViewCache } from "../usecases/graph-view";
import { artifactsOf } from "../usecases/show-build-page";
import { showNamespaceRow, showRunning, showWorkers } from "../usecases/show-home";
import { buildJson, namespaceActivity, namespaceJson, showNamespace } from "../usecases/show-namespace";
import { countStatuses, depthGroups, nodesOf, viewOf } from "../usecases/show-namespace-page";
import { requireNamespace } from "../usecases/update-namespace";
import type { UiSettings } from "./ui-settings";

const KEEPALIVE_MS = 20_000;
const DEPENDENT_ROWS = 200;

interface Numbered {
  seq: number;
  event: ServerEvent;
}

/** The recent events with sequence numbers, so streams can replay what a page has not seen yet. */
export class UiEventLog {
  private ring: Numbered[] = [];
  private seq = 0;
  private listeners = new Set<(e: Numbered) => void>();

  constructor(
    events: ServerEvents,
    private readonly capacity = 20_000,
  ) {
    events.subscribe((event) => {
      const numbered = { seq: ++this.seq, event };
      this.ring.push(numbered);
      if (this.ring.length > this.capacity * 1.25) this.ring.splice(0, this.ring.length - this.capacity);
      for (const l of this.listeners) l(numbered);
    });
  }

  /** The sequence number of the newest event: a page rendered now has seen everything up to it. */
  get cursor(): number {
    return this.seq;
  }

  /** Events after `seq`, or null when some of them are no longer kept. */
  since(seq: number): Numbered[] | null {
    if (seq >= this.seq) return [];
    const first = this.ring[0]?.seq ?? this.seq + 1;
    if (seq + 1 < first) return null;
    return this.ring.slice(seq + 1 - first);
  }

  subscribe(listener: (e: Numbered) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Where a stream starts: the browser's Last-Event-ID after a reconnect, else the page's `since`, else now. */
function startSeq(c: Context, log: UiEventLog): number {
  const last = c.req.header("last-event-id");
  const raw = last?.split(":")[0] ?? c.req.query("since");
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : log.cursor;
  return Math.min(n, log.cursor);
}

const OUT_OF_DATE = `This page missed some updates. <a href="">Reload it</a> to see the current state.`;

/**
 * Run one stream: collect relevant events, wait `batchMs` after the first of a batch, hand the batch to
 * `flush` (which writes and says whether the stream is finished), keep the connection alive while idle.
 */
function liveStream(
  c: Context,
  log: UiEventLog,
  opts: {
    relevant: (e: ServerEvent) => boolean;
    batchMs: number;
    /** Called first with what the page missed since it was rendered (`replay`, may be empty), then per batch. */
    flush: (batch: ServerEvent[], id: string, stream: SSEStreamingApi, replay: boolean) => Promise<boolean>;
    warn: (message: string, fields: Record<string, unknown>) => void;
  },
): Response {
  return streamSSE(c, async (stream) => {
    let queue: Numbered[] = [];
    let wake: (() => void) | null = null;
    let closed = false;
    const from = startSeq(c, log);
    const unsubscribe = log.subscribe((n) => {
      if (!opts.relevant(n.event)) return;
      queue.push(n);
      wake?.();
    });
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    try {
      // Headers go out with the first bytes: tell the browser now that the stream is open (and how soon to retry).
      await stream.write("retry: 2000\n\n");
      const missed = log.since(from);
      if (missed === null) await stream.writeSSE({ event: "notice", data: OUT_OF_DATE });
      else queue.push(...missed.filter((n) => opts.relevant(n.event)));
      let first = true;
      while (!closed) {
        if (queue.length === 0 && !first) {
          let timer: Timer | undefined;
          const idle = await new Promise<boolean>((resolve) => {
            wake = () => resolve(false);
            timer = setTimeout(() => resolve(true), KEEPALIVE_MS);
          });
          wake = null;
          clearTimeout(timer);
          if (closed) break;
          if (idle) {
            await stream.write(": keepalive\n\n");
            continue;
          }
          // Let a burst of events (a worker reporting, its dependents unblocking) arrive as one update.
          await stream.sleep(opts.batchMs);
        }
        const replay = first;
        first = false;
        const batch = queue;
        queue = [];
        const id = String(batch.at(-1)?.seq ?? from);
        const events = batch.map((n) => n.event);
        if (await opts.flush(events, id, stream, replay)) break;
      }
    } catch (error) {
      if (!closed) opts.warn("live update stream failed", { path: c.req.path, error: String(error) });
    } finally {
      unsubscribe();
    }
  });
}

/** Render a view (a Hono JSX node) to its HTML. */
export const html = async (node: unknown): Promise<string> =>
  String(await (node as { toString(): string | Promise<string> }).toString());

export interface LiveDeps {
  deps: ServerDeps;
  log: UiEventLog;
  views: GraphViewCache;
  settings: UiSettings;
  csrf: string | null;
}

/** Home: namespace rows whose builds moved, running builds, workers. */
export function homeStream(c: Context, l: LiveDeps): Response {
  const { deps } = l;
  return liveStream(c, l.log, {
    // Log chunks change nothing on the home page: a build's first sign of life is its own build event.
    relevant: (e) => e.type !== "log",
    batchMs: 1000,
    warn: deps.log.warn.bind(deps.log),
    flush: async (batch, id, stream) => {
      if (batch.length === 0) return false;
      const now = deps.now();
      const changed = new Set<number>();
      for (const e of batch) if (e.type !== "log") changed.add(e.namespaceId);
      const parts: string[] = [];
      for (const nsId of changed) {
        const row = showNamespaceRow(deps, nsId);
        if (row) parts.push(await html(NamespaceRowView({ ns: row, now })));
      }
      parts.push(await html(Running({ builds: showRunning(deps), now })));
      parts.push(await html(Workers({ workers: showWorkers(deps), now })));
      await stream.writeSSE({ event: "swap", id, data: parts.join("\n") });
      return false;
    },
  });
}

/** A namespace page: changed build rows, SVG node colours, counts, depth groups, the header, new iterations. */
export function namespaceStream(
  c: Context,
  l: LiveDeps,
  q: { name: string; iteration: number; arch: string; status?: BuildStatus; q?: string },
): Response {
  const { deps } = l;
  const detail = showNamespace(deps, q.name, { iteration: q.iteration, arch: q.arch });
  const it = detail.iteration!;
  const nsId = requireNamespace(deps, q.name).id;
  const view = viewOf(l.views, it, q.arch);
  const nodes = nodesOf(it, q.arch);
  const byId = new Map<number, BuildNode>([...nodes.values()].map((n) => [n.id, n]));
  const link = (x: { status?: string; q?: string; node?: string }) =>
    urls.namespace(q.name, { iteration: it.id, arch: q.arch, ...x });
  const back = link({ status: q.status, q: q.q });
  let newest = detail.iterations[0]?.id ?? it.id;
  let superseded = it.superseded;
  let active = detail.namespace.status === "active" && !it.superseded;

  return liveStream(c, l.log, {
    // Only build, iteration and namespace events change this page: log chunks do not (the first one's
    // move to building comes as a build event of its own, see usecases/build-lifecycle.ts).
    relevant: (e) => e.type !== "log" && e.namespaceId === nsId,
    batchMs: 300,
    warn: deps.log.warn.bind(deps.log),
    flush: async (batch, id, stream, replay) => {
      const now = deps.now();
      const parts: string[] = [];
      const changedIds = new Set<number>();
      let namespaceChanged = false;
      for (const e of batch) {
        if (e.type === "namespace") namespaceChanged = true;
        else if (e.type === "iteration" && e.iterationId > newest) newest = e.iterationId;
        else if (e.type === "build") changedIds.add(e.buildId);
      }
      if (newest !== it.id && !superseded) {
        superseded = true;
        active = false;
        await stream.writeSSE({
          event: "notice",
          id,
          data: `Iteration ${newest} has replaced iteration ${it.id}. <a href="${urls.namespace(q.name)}">See the latest iteration</a>.`,
        });
      }
      if (namespaceChanged) {
        const ns = namespaceJson(requireNamespace(deps, q.name));
        active = ns.status === "active" && newest === it.id;
        parts.push(
          await html(
            NamespaceHead({
              ns,
              csrf: l.csrf,
              now,
              path: back,
              activity: namespaceActivity(deps, q.name),
            }),
          ),
        );
      }
      const statuses: [number, BuildStatus][] = [];
      const depths = new Set<number>();
      const rows = new Map<number, BuildNode>();
      const builtChanged: string[] = [];
      const blockedBy = (pkgbase: string) =>
        (view.deps.get(pkgbase) ?? []).filter((d) => nodes.get(d)?.status !== "built");
      for (const buildId of changedIds) {
        const before = byId.get(buildId);
        const record = getBuild(deps.db, buildId);
        if (!before || !record) continue;
        const same =
          record.status === before.status &&
          record.attempts === before.attempts &&
          record.leaseWorker === before.worker;
        // What the page missed happened before this stream's snapshot: send it even if the snapshot agrees.
        if (same && !replay) continue;
        const node = buildJson(
          deps,
          record,
          before.pkgnames,
          record.status === "blocked" ? blockedBy(record.pkgbase) : [],
        );
        nodes.set(node.pkgbase, node);
        byId.set(node.id, node);
        statuses.push([node.id, node.status]);
        depths.add(view.depth.get(node.pkgbase) ?? 0);
        rows.set(node.id, node);
        if ((before.status === "built") !== (node.status === "built")) builtChanged.push(node.pkgbase);
      }
      // A dependency built or retried changes what its blocked dependents say they wait for. Capped: when
      // python is built, its thousands of dependents' rows are not worth one message.
      for (const pkgbase of builtChanged) {
        const dependents = view.dependents.get(pkgbase) ?? [];
        if (dependents.length > DEPENDENT_ROWS) continue;
        for (const d of dependents) {
          const n = nodes.get(d);
          if (n?.status !== "blocked" || rows.has(n.id)) continue;
          const fresh = { ...n, blocked_by: blockedBy(d) };
          nodes.set(d, fresh);
          byId.set(fresh.id, fresh);
          rows.set(fresh.id, fresh);
        }
      }
      for (const node of rows.values()) {
        parts.push(
          await html(
            BuildRow({
              b: node,
              ns: q.name,
              csrf: l.csrf,
              commitUrl: l.settings.commitUrl,
              now,
              back,
              nodeLink: link({ node: node.pkgbase }),
              active,
            }),
          ),
        );
      }
      if (statuses.length > 0) {
        const counts = countStatuses(nodes.values());
        const eta = estimateFinish(deps, { id: it.id, namespaceId: nsId }, active);
        parts.push(
          await html(Summary({ counts, total: nodes.size, arch: q.arch, reused: reusedCount(nodes.values()), eta })),
        );
        parts.push(await html(StatusTabs({ counts, total: nodes.size, current: q.status, link, q: q.q })));
        if (!view.layout) {
          const groups = depthGroups(view, nodes);
          for (const d of depths) if (groups[d]) parts.push(await html(GroupStats({ group: groups[d] })));
        }
        await stream.writeSSE({ event: "status", id, data: JSON.stringify(statuses) });
      }
      if (parts.length > 0) await stream.writeSSE({ event: "swap", id, data: parts.join("\n") });
      return false;
    },
  });
}

/** A build page: appended log text, then the header and packages when the build ends. */
export function buildStream(c: Context, l: LiveDeps, buildId: number): Response {
  const { deps } = l;
  showBuild(deps, buildId); // 404 before the stream starts
  const last = c.req.header("last-event-id")?.split(":")[1];
  const given = last ?? c.req.query("offset");
  let offset = given !== undefined && /^\d+$/.test(given) ? Number(given) : 0;
  return liveStream(c, l.log, {
    relevant: (e) => (e.type === "log" || e.type === "build") && e.buildId === buildId,
    batchMs: 150,
    warn: deps.log.warn.bind(deps.log),
    flush: async (batch, id, stream) => {
      // Bounded reads until caught up, so a long backlog streams in pieces.
      for (;;) {
        const chunk = deps.logs.read(buildId, offset);
        if (!chunk.text) break;
        offset = chunk.end;
        await stream.writeSSE({ event: "log", id: `${id}:${offset}`, data: chunk.text });
      }
      const record = getBuild(deps.db, buildId);
      const finished = record?.status === "built" || record?.status === "failed";
      if (batch.some((e) => e.type === "build") || finished) {
        const build = showBuild(deps, buildId);
        const page = { build, artifacts: artifactsOf(deps, build), log: { text: "", from: 0, end: offset } };
        const parts = [
          await html(BuildHead({ page, commitUrl: l.settings.commitUrl, now: deps.now() })),
          await html(Artifacts({ page })),
        ];
        await stream.writeSSE({ event: "swap", id: `${id}:${offset}`, data: parts.join("\n") });
      }
      if (finished) await stream.writeSSE({ event: "done", id: `${id}:${offset}`, data: record.status });
      return finished;
    },
  });
}
