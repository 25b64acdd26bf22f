// Live pages: what each page sends over its Server-Sent Events stream (see sse-stream.ts) once a batch of
// events has changed something on it (see ../ui-changes.ts): only the changed parts (rows, counts, headers) as
// HTML for htmx to swap, plus statuses as JSON for the SVG nodes, or appended log text.
import type { Context } from "hono";
import { Artifacts, BuildHead } from "../../../views/build";
import { GroupStats } from "../../../views/graph";
import { NamespaceRowView, Running, Workers } from "../../../views/home";
import { BuildRow, NamespaceHead, reusedCount, StatusTabs, Summary } from "../../../views/namespace";
import { urls } from "../../../views/urls";
import type { BuildNode } from "../../api/schemas";
import type { BuildStatus } from "../../core/build-states";
import type { ServerDeps } from "../deps";
import { changesOn, concerns, type LivePage, nothingChanged } from "../ui-changes";
import type { UiEventLog } from "../ui-event-log";
import { showBuild } from "../usecases/builds";
import { estimateFinish } from "../usecases/estimate-finish";
import { findBuild } from "../usecases/find-build";
import type { GraphViewCache } from "../usecases/graph-view";
import { artifactsOf } from "../usecases/show-build-page";
import { showNamespaceRow, showRunning, showWorkers } from "../usecases/show-home";
import { buildJson, namespaceActivity, namespaceJson, showNamespace } from "../usecases/show-namespace";
import { countStatuses, depthGroups, nodesOf, viewOf } from "../usecases/show-namespace-page";
import { requireNamespace } from "../usecases/update-namespace";
import { html } from "./html";
import { liveStream } from "./sse-stream";
import type { UiSettings } from "./ui-settings";

const DEPENDENT_ROWS = 200;

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
  const page: LivePage = { kind: "home" };
  return liveStream(c, l.log, {
    relevant: (e) => concerns(page, e),
    batchMs: 1000,
    warn: deps.log.warn.bind(deps.log),
    flush: async (batch, id, stream) => {
      const changes = changesOn(page, batch);
      if (nothingChanged(changes)) return false;
      const now = deps.now();
      const parts: string[] = [];
      for (const nsId of changes.namespaces) {
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
  const page: LivePage = { kind: "namespace", namespaceId: nsId };

  return liveStream(c, l.log, {
    relevant: (e) => concerns(page, e),
    batchMs: 300,
    warn: deps.log.warn.bind(deps.log),
    flush: async (batch, id, stream, replay) => {
      const changes = changesOn(page, batch);
      const now = deps.now();
      const parts: string[] = [];
      newest = Math.max(newest, changes.newestIteration ?? newest);
      if (newest !== it.id && !superseded) {
        superseded = true;
        active = false;
        await stream.writeSSE({
          event: "notice",
          id,
          data: `Iteration ${newest} has replaced iteration ${it.id}. <a href="${urls.namespace(q.name)}">See the latest iteration</a>.`,
        });
      }
      if (changes.namespace) {
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
      for (const buildId of changes.builds) {
        const before = byId.get(buildId);
        const record = findBuild(deps, buildId);
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
  const page: LivePage = { kind: "build", buildId };
  return liveStream(c, l.log, {
    relevant: (e) => concerns(page, e),
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
      const record = findBuild(deps, buildId);
      const finished = record?.status === "built" || record?.status === "failed";
      if (changesOn(page, batch).builds.length > 0 || finished) {
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
