// How the web UI shows one iteration's graph for one architecture: small graphs are drawn (a layered
// layout), large ones are grouped by depth in build order. Iterations are immutable, so each view is
// computed once and cached; statuses are laid over it per request.
import type { BuildStatus } from "../../core/build-states";
import type { DuplicatePkgname } from "../../core/duplicates";
import type { RemovedEdge } from "../../core/graph";
import { type Layout, layersOf, layoutGraph, transitiveReduction } from "../../core/graph-layout";
import { indexGraph } from "../graph-index";

/** Up to this many nodes a graph is drawn; beyond it, a drawing is a hairball and groups read better. */
export const DRAWN_GRAPH_LIMIT = 150;

export interface ArchGraphView {
  /** pkgbase → its depth: 0 without dependencies in the graph, else one more than its deepest dependency. */
  depth: Map<string, number>;
  /** pkgbases per depth, each in build order. */
  levels: string[][];
  /** pkgbase → the pkgbases it waits for / that wait for it (direct). */
  deps: Map<string, string[]>;
  dependents: Map<string, string[]>;
  /** pkgbase → position in build order. */
  position: Map<string, number>;
  /** Drawn graphs only: the edges a longer chain implies are left out of the drawing (not of the graph). */
  layout: Layout | null;
  /** How many edges the drawing leaves out. */
  impliedEdges: number;
  /** pkgbase → the package names it builds. */
  pkgnames: Map<string, string[]>;
  removedEdges: RemovedEdge[];
  cycles: string[][];
  duplicates: DuplicatePkgname[];
}

/** What a view is made from: one architecture's graph as stored, or as the API's iteration has it. */
export interface ViewSource {
  order: string[];
  edges: [string, string][];
  removed_edges: RemovedEdge[];
  cycles: string[][];
  duplicate_pkgnames: DuplicatePkgname[];
  pkgnames: Map<string, string[]>;
}

// Monospace 12px labels inside a node box with padding.
const labelWidth = (pkgbase: string): number => Math.ceil(pkgbase.length * 7.3) + 18;

export function archGraphView(graph: ViewSource): ArchGraphView {
  const depth = layersOf(graph.order, graph.edges);
  const levels: string[][] = [];
  for (const pkgbase of graph.order) {
    const d = depth.get(pkgbase)!;
    if (!levels[d]) levels[d] = [];
    levels[d].push(pkgbase);
  }
  const { deps, dependents } = indexGraph(graph);
  const drawn = graph.order.length <= DRAWN_GRAPH_LIMIT ? transitiveReduction(graph.order, graph.edges) : null;
  return {
    depth,
    levels,
    deps,
    dependents,
    position: new Map(graph.order.map((p, i) => [p, i])),
    layout: drawn ? layoutGraph({ nodes: graph.order, edges: drawn, width: labelWidth }) : null,
    impliedEdges: drawn ? graph.edges.length - drawn.length : 0,
    pkgnames: graph.pkgnames,
    removedEdges: graph.removed_edges,
    cycles: graph.cycles,
    duplicates: graph.duplicate_pkgnames,
  };
}

/** A few recent iterations' views; the ones being watched are asked for on every page and live update. */
export class GraphViewCache {
  private views = new Map<string, ArchGraphView>();
  private memos = new Map<string, { stamp: number; value: unknown }>();
  constructor(private readonly capacity = 32) {}

  /**
   * Something else a page derives from an iteration, kept while `stamp` stays the same (the namespace's
   * event count for what builds change, 0 for what never does): a search typed into a large namespace's
   * page re-reads nothing that did not change.
   */
  memo<T>(iterationId: number, key: string, stamp: number, load: () => T): T {
    const k = `${iterationId}/${key}`;
    const hit = this.memos.get(k);
    if (hit && hit.stamp === stamp) {
      this.memos.delete(k);
      this.memos.set(k, hit);
      return hit.value as T;
    }
    const value = load();
    this.memos.delete(k);
    if (this.memos.size >= this.capacity) this.memos.delete(this.memos.keys().next().value!);
    this.memos.set(k, { stamp, value });
    return value;
  }

  get(iterationId: number, arch: string, graph: () => ViewSource): ArchGraphView {
    const key = `${iterationId}/${arch}`;
    let view = this.views.get(key);
    if (view) {
      this.views.delete(key);
    } else {
      view = archGraphView(graph());
      if (this.views.size >= this.capacity) this.views.delete(this.views.keys().next().value!);
    }
    this.views.set(key, view);
    return view;
  }
}

export interface NodeExplanation {
  /** Direct dependencies and dependents, in build order. */
  dependencies: string[];
  dependents: string[];
  /** Every dependency, direct or not, that is not built yet, in build order. */
  waitingOn: string[];
  /** Of those, the ones everything waits for: their own dependencies are built (or they failed). */
  holdingUp: string[];
  /** Every package built after this one because of it, direct or not, in build order. */
  unblocks: string[];
}

function reach(start: string, next: Map<string, string[]>, keep: (p: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p) || !keep(p)) continue;
    seen.add(p);
    stack.push(...(next.get(p) ?? []));
  }
  return seen;
}

/** "What blocks this package" and "what does this package unblock", for one selected node. */
export function explainNode(
  view: ArchGraphView,
  statusOf: (pkgbase: string) => BuildStatus | undefined,
  pkgbase: string,
): NodeExplanation {
  const inOrder = (ps: Iterable<string>) =>
    [...ps].sort((a, b) => (view.position.get(a) ?? 0) - (view.position.get(b) ?? 0));
  const unbuilt = (p: string) => statusOf(p) !== "built";
  const waitingOn = inOrder(reach(pkgbase, view.deps, unbuilt));
  const holdingUp = waitingOn.filter(
    (p) => statusOf(p) === "failed" || (view.deps.get(p) ?? []).every((d) => statusOf(d) === "built"),
  );
  return {
    dependencies: inOrder(view.deps.get(pkgbase) ?? []),
    dependents: inOrder(view.dependents.get(pkgbase) ?? []),
    waitingOn,
    holdingUp,
    unblocks: inOrder(reach(pkgbase, view.dependents, () => true)),
  };
}
