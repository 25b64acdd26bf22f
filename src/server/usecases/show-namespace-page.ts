// The namespace page's read model: the namespace, its iterations, and of one iteration and architecture the
// counts, one filtered page of the build table, the graph (drawn or grouped by depth), and the explanation of
// one selected node.
//
// A namespace may have tens of thousands of builds, and the page (and every search typed into it) must
// cost little: it reads every build of the shown architecture only as id, pkgbase and status, whole records
// only for the rows it shows, and the graph's immutable parts once per iteration (GraphViewCache).
import type { Activity, BuildNode, Eta, Iteration, Namespace, ReleaseArch } from "../../api/schemas";
import type { BuildStatus } from "../../core/build-states";
import { duplicatePkgnames } from "../../core/duplicates";
import { NotFound } from "../../core/errors";
import type { GraphDiff } from "../../core/graph-diff";
import type { Layout } from "../../core/graph-layout";
import { type BuildBrief, countPerArch, getBuilds, listBuildBriefs } from "../../db/builds";
import { iterationArchGraph, iterationHead, listIterationSummaries } from "../../db/iterations";
import type { ServerDeps } from "../deps";
import { checkRelease } from "./check-release";
import { estimateFinish } from "./estimate-finish";
import {
  type ArchGraphView,
  explainNode,
  type GraphViewCache,
  type NodeExplanation,
  type ViewSource,
} from "./graph-view";
import { buildJson, namespaceActivity, namespaceJson, pacmanConf } from "./show-namespace";
import { requireNamespace } from "./update-namespace";

export const TABLE_PAGE_SIZE = 100;

export interface NamespacePageQuery {
  iteration?: number;
  arch?: string;
  status?: BuildStatus;
  /** Substring of pkgbase. */
  q?: string;
  page: number;
  /** A selected pkgbase: what blocks it, what it unblocks. */
  node?: string;
  /** A depth group shown open (large graphs, without JavaScript). */
  depth?: number;
}

export type StatusCounts = Partial<Record<BuildStatus, number>>;

/** What the graph, the lists and the counts need of every node. */
export type NodeBrief = Pick<BuildNode, "id" | "pkgbase" | "status" | "reused_from_iteration">;

export interface DepthGroup {
  depth: number;
  size: number;
  counts: StatusCounts;
}

export type GraphPicture =
  | { kind: "drawn"; layout: Layout; impliedEdges: number }
  | { kind: "groups"; groups: DepthGroup[]; open: { depth: number; members: NodeBrief[] } | null };

/** The shown iteration, without its builds. */
export interface PageIteration {
  id: number;
  superseded: boolean;
  eta: Eta | null;
  pacmanConf: string;
}

export interface NamespacePage {
  namespace: Namespace;
  /** Newest first. */
  iterations: { id: number; reason: Iteration["reason"]; created_at: string }[];
  activity: Activity[];
  iteration: PageIteration | null;
  latestIterationId: number | null;
  arch: string | null;
  /** Every architecture of the iteration with its counts, for the tabs. */
  arches: { arch: string; total: number; counts: StatusCounts }[];
  /** Every node of the shown architecture, by pkgbase, in build order. */
  nodes: Map<string, NodeBrief>;
  /** The builds matching the filters: `total` of them, `rows` the shown page's. */
  table: { rows: BuildNode[]; total: number; page: number; pages: number; first: number };
  graph: GraphPicture | null;
  /** The shown architecture's cycles, the edges dropped to break them, and pkgnames built twice. */
  checks: Pick<ArchGraphView, "removedEdges" | "cycles" | "duplicates"> | null;
  focus: { node: BuildNode; explanation: NodeExplanation } | null;
  diff: GraphDiff | null;
  /** The release check of the shown iteration and architecture. */
  release: ReleaseArch | null;
}

/** The architecture shown when none is asked for: the default one if the iteration has it, else the first. */
export function defaultArch(arches: string[], preferred: string): string | null {
  return arches.includes(preferred) ? preferred : ([...arches].sort()[0] ?? null);
}

export function countStatuses(nodes: Iterable<{ status: BuildStatus }>): StatusCounts {
  const counts: StatusCounts = {};
  for (const n of nodes) counts[n.status] = (counts[n.status] ?? 0) + 1;
  return counts;
}

/** One architecture's builds by pkgbase. */
export const nodesOf = (iteration: Iteration, arch: string): Map<string, BuildNode> =>
  new Map(iteration.architectures[arch]!.nodes.map((n) => [n.pkgbase, n]));

/** The view of an iteration the API's JSON already holds (live updates have it at hand). */
export function viewOf(views: GraphViewCache, iteration: Iteration, arch: string): ArchGraphView {
  const a = iteration.architectures[arch]!;
  return views.get(iteration.id, arch, () => ({
    order: a.order,
    edges: a.edges,
    removed_edges: a.removed_edges,
    cycles: a.cycles,
    duplicate_pkgnames: a.duplicate_pkgnames,
    pkgnames: new Map(a.nodes.map((n) => [n.pkgbase, n.pkgnames])),
  }));
}

/** The view of a stored iteration: only this architecture's part of the graph is read, once. */
function storedView(deps: ServerDeps, views: GraphViewCache, iterationId: number, arch: string): ArchGraphView {
  return views.get(iterationId, arch, (): ViewSource => {
    const g = iterationArchGraph(deps.db, iterationId, arch);
    if (!g) throw new NotFound(`iteration ${iterationId} has no ${arch} graph`);
    return {
      order: g.order,
      edges: g.edges,
      removed_edges: g.removed_edges,
      cycles: g.cycles,
      duplicate_pkgnames: duplicatePkgnames(g.nodes),
      pkgnames: new Map(g.nodes.map((n) => [n.pkgbase, n.pkgnames])),
    };
  });
}

const brief = (b: BuildBrief): NodeBrief => ({
  id: b.id,
  pkgbase: b.pkgbase,
  status: b.status,
  reused_from_iteration: b.reusedFromIteration,
});

/** Every build of one architecture, briefly; read again only after the namespace's builds changed. */
function briefsOf(
  deps: ServerDeps,
  views: GraphViewCache,
  namespaceId: number,
  iterationId: number,
  arch: string,
): Map<string, NodeBrief> {
  return views.memo(
    iterationId,
    `briefs/${arch}`,
    deps.events.changesOf(namespaceId),
    () => new Map(listBuildBriefs(deps.db, iterationId, arch).map((b) => [b.pkgbase, brief(b)])),
  );
}

export function showNamespacePage(
  deps: ServerDeps,
  views: GraphViewCache,
  name: string,
  q: NamespacePageQuery,
): NamespacePage {
  const ns = requireNamespace(deps, name);
  const iterations = listIterationSummaries(deps.db, [ns.id]).map((s) => ({
    id: s.id,
    reason: s.reason,
    created_at: s.createdAt,
  }));
  const latestIterationId = iterations[0]?.id ?? null;
  const head = iterationHead(deps.db, ns.id, q.iteration);
  if (q.iteration !== undefined && !head) throw new NotFound(`namespace ${name} has no iteration ${q.iteration}`);
  const empty: NamespacePage = {
    namespace: namespaceJson(ns),
    iterations,
    activity: namespaceActivity(deps, ns.name),
    iteration: null,
    latestIterationId,
    arch: null,
    arches: [],
    nodes: new Map(),
    table: { rows: [], total: 0, page: 1, pages: 1, first: 0 },
    graph: null,
    checks: null,
    focus: null,
    diff: null,
    release: null,
  };
  if (!head) return empty;
  const current = head.id === latestIterationId && ns.status === "active";
  const iteration: PageIteration = {
    id: head.id,
    superseded: head.id !== latestIterationId,
    eta: estimateFinish(deps, head, current),
    pacmanConf: pacmanConf(deps, ns.name, head.id === latestIterationId ? "latest" : head.id),
  };
  // Iterations are immutable: their architectures and sizes are read once.
  const sizes = views.memo(head.id, "sizes", 0, () => countPerArch(deps.db, head.id));
  const archNames = [...sizes.keys()];
  if (q.arch && !archNames.includes(q.arch))
    throw new NotFound(`iteration ${head.id} of ${name} has no ${q.arch} graph`);
  const arch = q.arch ?? defaultArch(archNames, deps.config.defaultArch);
  const withIteration = { ...empty, iteration, diff: head.diff };
  if (!arch) return { ...withIteration, arches: archNames.map((a) => ({ arch: a, total: sizes.get(a)!, counts: {} })) };

  const nodes = briefsOf(deps, views, ns.id, head.id, arch);
  const counts = countStatuses(nodes.values());
  const arches = archNames.map((a) => ({ arch: a, total: sizes.get(a)!, counts: a === arch ? counts : {} }));
  const view = storedView(deps, views, head.id, arch);
  if (q.node !== undefined && !nodes.has(q.node))
    throw new NotFound(`${q.node} is not in iteration ${head.id}'s ${arch} graph`);

  // The search: a pass over names, and whole records only for the page of rows shown.
  const needle = q.q?.trim().toLowerCase() ?? "";
  const matching: NodeBrief[] = [];
  for (const n of nodes.values())
    if ((!q.status || n.status === q.status) && (!needle || n.pkgbase.toLowerCase().includes(needle))) matching.push(n);
  const pages = Math.max(1, Math.ceil(matching.length / TABLE_PAGE_SIZE));
  const page = Math.min(Math.max(1, q.page), pages);
  const first = (page - 1) * TABLE_PAGE_SIZE;
  const shown = matching.slice(first, first + TABLE_PAGE_SIZE);
  const focused = q.node !== undefined ? nodes.get(q.node)! : null;
  const records = new Map(
    getBuilds(
      deps.db,
      [...shown, ...(focused ? [focused] : [])].map((n) => n.id),
    ).map((b) => [b.pkgbase, b]),
  );
  const statusOf = (p: string) => nodes.get(p)?.status;
  const nodeJson = (pkgbase: string): BuildNode => {
    const b = records.get(pkgbase)!;
    const blockedBy =
      b.status === "blocked" ? (view.deps.get(pkgbase) ?? []).filter((d) => statusOf(d) !== "built") : [];
    return buildJson(deps, b, view.pkgnames.get(pkgbase) ?? [], blockedBy);
  };

  return {
    ...withIteration,
    arches,
    arch,
    nodes,
    table: { rows: shown.map((n) => nodeJson(n.pkgbase)), total: matching.length, page, pages, first },
    graph: picture(view, nodes, q.depth),
    checks: { removedEdges: view.removedEdges, cycles: view.cycles, duplicates: view.duplicates },
    focus: focused
      ? { node: nodeJson(focused.pkgbase), explanation: explainNode(view, statusOf, focused.pkgbase) }
      : null,
    release: releaseOf(deps, name, head.id, arch, nodes),
  };
}

function picture(view: ArchGraphView, nodes: Map<string, NodeBrief>, openDepth: number | undefined): GraphPicture {
  if (view.layout) return { kind: "drawn", layout: view.layout, impliedEdges: view.impliedEdges };
  return {
    kind: "groups",
    groups: depthGroups(view, nodes),
    open:
      openDepth !== undefined && view.levels[openDepth]
        ? { depth: openDepth, members: groupMembers(view, nodes, openDepth) }
        : null,
  };
}

export function depthGroups(view: ArchGraphView, nodes: Map<string, { status: BuildStatus }>): DepthGroup[] {
  return view.levels.map((members, depth) => {
    const counts: StatusCounts = {};
    for (const p of members) {
      const status = nodes.get(p)?.status;
      if (status) counts[status] = (counts[status] ?? 0) + 1;
    }
    return { depth, size: members.length, counts };
  });
}

function groupMembers<N>(view: ArchGraphView, nodes: Map<string, N>, depth: number): N[] {
  return (view.levels[depth] ?? []).map((p) => nodes.get(p)).filter((n): n is N => n !== undefined);
}

/** One depth group's members (the lazily loaded inside of a group on large graphs). */
export function showDepthGroup(
  deps: ServerDeps,
  views: GraphViewCache,
  name: string,
  q: { iteration: number; arch: string; depth: number },
): { iteration: number; arch: string; depth: number; members: NodeBrief[] } {
  const ns = requireNamespace(deps, name);
  if (!iterationHead(deps.db, ns.id, q.iteration))
    throw new NotFound(`namespace ${name} has no iteration ${q.iteration}`);
  const sizes = views.memo(q.iteration, "sizes", 0, () => countPerArch(deps.db, q.iteration));
  if (!sizes.has(q.arch)) throw new NotFound(`iteration ${q.iteration} of ${name} has no ${q.arch} graph`);
  const view = storedView(deps, views, q.iteration, q.arch);
  if (!view.levels[q.depth])
    throw new NotFound(
      `iteration ${q.iteration}'s ${q.arch} graph has no depth ${q.depth} (it has ${view.levels.length})`,
    );
  return { ...q, members: groupMembers(view, briefsOf(deps, views, ns.id, q.iteration, q.arch), q.depth) };
}

/**
 * The page's release check. While builds of the architecture still run, the verdict is plainly "not yet"
 * and the check (a pass over every build, artifact and the universe at main) is not made: pages of large
 * namespaces are read often while they build.
 */
function releaseOf(
  deps: ServerDeps,
  name: string,
  iteration: number,
  arch: string,
  nodes: Map<string, NodeBrief>,
): ReleaseArch | null {
  let unfinished = 0;
  for (const n of nodes.values()) if (["pending", "scheduled", "building"].includes(n.status)) unfinished++;
  if (unfinished > 0)
    return {
      releasable: false,
      reasons: [`${unfinished} of ${nodes.size} builds have not finished yet; the release check runs once they have`],
      pkgbases: [],
      unmet: [],
      dependencies_checked: false,
    };
  return checkRelease(deps, name, { iteration, arch }).architectures[arch] ?? null;
}
