// The namespace page's read model: the API's namespace detail (show-namespace.ts) plus what a page adds —
// the selected architecture, one filtered page of the build table, the graph (drawn or grouped by depth),
// and the explanation of one selected node.
import type { BuildNode, Iteration, NamespaceDetail, ReleaseArch } from "../../api/schemas";
import type { BuildStatus } from "../../core/build-states";
import { NotFound } from "../../core/errors";
import type { GraphDiff } from "../../core/graph-diff";
import type { Layout } from "../../core/graph-layout";
import type { ServerDeps } from "../deps";
import { checkRelease } from "./check-release";
import { type ArchGraphView, explainNode, type GraphViewCache, type NodeExplanation } from "./graph-view";
import { showNamespace } from "./show-namespace";

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

export interface DepthGroup {
  depth: number;
  size: number;
  counts: StatusCounts;
}

export type GraphPicture =
  | { kind: "drawn"; layout: Layout; impliedEdges: number }
  | { kind: "groups"; groups: DepthGroup[]; open: { depth: number; members: BuildNode[] } | null };

export interface NamespacePage {
  detail: NamespaceDetail;
  iteration: Iteration | null;
  latestIterationId: number | null;
  arch: string | null;
  /** Every architecture of the iteration with its counts, for the tabs. */
  arches: { arch: string; total: number; counts: StatusCounts }[];
  nodes: Map<string, BuildNode>;
  table: { rows: BuildNode[]; total: number; page: number; pages: number };
  graph: GraphPicture | null;
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

export function viewOf(views: GraphViewCache, iteration: Iteration, arch: string): ArchGraphView {
  const a = iteration.architectures[arch]!;
  return views.get(iteration.id, arch, () => ({ order: a.order, edges: a.edges }));
}

export function showNamespacePage(
  deps: ServerDeps,
  views: GraphViewCache,
  name: string,
  q: NamespacePageQuery,
): NamespacePage {
  const detail = showNamespace(deps, name, { iteration: q.iteration });
  const it = detail.iteration;
  const latestIterationId = detail.iterations[0]?.id ?? null;
  const empty: NamespacePage = {
    detail,
    iteration: it,
    latestIterationId,
    arch: null,
    arches: [],
    nodes: new Map(),
    table: { rows: [], total: 0, page: 1, pages: 1 },
    graph: null,
    focus: null,
    diff: null,
    release: null,
  };
  if (!it) return empty;
  const archNames = Object.keys(it.architectures).sort();
  if (q.arch && !archNames.includes(q.arch)) throw new NotFound(`iteration ${it.id} of ${name} has no ${q.arch} graph`);
  const arch = q.arch ?? defaultArch(archNames, deps.config.defaultArch);
  const arches = archNames.map((a) => ({
    arch: a,
    total: it.architectures[a]!.nodes.length,
    counts: it.architectures[a]!.counts as StatusCounts,
  }));
  if (!arch) return { ...empty, arches, diff: it.diff as GraphDiff | null };

  const nodes = nodesOf(it, arch);
  const view = viewOf(views, it, arch);
  if (q.node !== undefined && !nodes.has(q.node))
    throw new NotFound(`${q.node} is not in iteration ${it.id}'s ${arch} graph`);

  const needle = q.q?.trim().toLowerCase() ?? "";
  const matching = [...nodes.values()].filter(
    (n) => (!q.status || n.status === q.status) && (!needle || n.pkgbase.toLowerCase().includes(needle)),
  );
  const pages = Math.max(1, Math.ceil(matching.length / TABLE_PAGE_SIZE));
  const page = Math.min(Math.max(1, q.page), pages);

  return {
    detail,
    iteration: it,
    latestIterationId,
    arch,
    arches,
    nodes,
    table: {
      rows: matching.slice((page - 1) * TABLE_PAGE_SIZE, page * TABLE_PAGE_SIZE),
      total: matching.length,
      page,
      pages,
    },
    graph: picture(view, nodes, q.depth),
    focus:
      q.node !== undefined
        ? { node: nodes.get(q.node)!, explanation: explainNode(view, (p) => nodes.get(p)?.status, q.node) }
        : null,
    diff: it.diff as GraphDiff | null,
    release: releaseOf(deps, name, it.id, arch, nodes),
  };
}

function picture(view: ArchGraphView, nodes: Map<string, BuildNode>, openDepth: number | undefined): GraphPicture {
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

export function depthGroups(view: ArchGraphView, nodes: Map<string, BuildNode>): DepthGroup[] {
  return view.levels.map((members, depth) => ({
    depth,
    size: members.length,
    counts: countStatuses(members.map((p) => nodes.get(p)).filter((n): n is BuildNode => n !== undefined)),
  }));
}

function groupMembers(view: ArchGraphView, nodes: Map<string, BuildNode>, depth: number): BuildNode[] {
  return (view.levels[depth] ?? []).map((p) => nodes.get(p)).filter((n): n is BuildNode => n !== undefined);
}

/** One depth group's members (the lazily loaded inside of a group on large graphs). */
export function showDepthGroup(
  deps: ServerDeps,
  views: GraphViewCache,
  name: string,
  q: { iteration: number; arch: string; depth: number },
): { iteration: number; arch: string; depth: number; members: BuildNode[] } {
  const detail = showNamespace(deps, name, { iteration: q.iteration, arch: q.arch });
  const it = detail.iteration!;
  const view = viewOf(views, it, q.arch);
  if (!view.levels[q.depth])
    throw new NotFound(
      `iteration ${q.iteration}'s ${q.arch} graph has no depth ${q.depth} (it has ${view.levels.length})`,
    );
  return { ...q, members: groupMembers(view, nodesOf(it, q.arch), q.depth) };
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
  nodes: Map<string, BuildNode>,
): ReleaseArch | null {
  const unfinished = [...nodes.values()].filter((n) => ["pending", "scheduled", "building"].includes(n.status));
  if (unfinished.length > 0)
    return {
      releasable: false,
      reasons: [
        `${unfinished.length} of ${nodes.size} builds have not finished yet; the release check runs once they have`,
      ],
      pkgbases: [],
      unmet: [],
      dependencies_checked: false,
    };
  return checkRelease(deps, name, { iteration, arch }).architectures[arch] ?? null;
}
