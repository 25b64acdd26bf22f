// What changed between two iterations' graphs (src/core/README.md, Iterations): a non-empty diff means a new iteration
// with reason `graph_changed`, and the diff is stored with it to say why.
import type { ArchGraph } from "./graph";
import { byName } from "./graph-order";

export interface ArchDiff {
  nodes_added: string[];
  nodes_removed: string[];
  commits_changed: { pkgbase: string; from: string; to: string }[];
  edges_added: [string, string][];
  edges_removed: [string, string][];
}
export interface GraphDiff {
  architectures_added: string[];
  architectures_removed: string[];
  /** Only architectures with a change; an added or removed architecture lists all its nodes and edges. */
  per_arch: Record<string, ArchDiff>;
}

const NO_GRAPH: ArchGraph = { nodes: [], edges: [], removed_edges: [], cycles: [], order: [] };

// Own keys only: graphs often arrive as parsed JSON, and an architecture is not a prototype member.
const graphOf = (graphs: Record<string, ArchGraph>, arch: string): ArchGraph =>
  (Object.hasOwn(graphs, arch) ? graphs[arch] : undefined) ?? NO_GRAPH;

const byPair = (a: [string, string], b: [string, string]): number => byName(a[0], b[0]) || byName(a[1], b[1]);

function diffArch(prev: ArchGraph, next: ArchGraph): ArchDiff {
  const before = new Map(prev.nodes.map((n) => [n.pkgbase, n.commit]));
  const after = new Map(next.nodes.map((n) => [n.pkgbase, n.commit]));
  const commits_changed: ArchDiff["commits_changed"] = [];
  for (const [pkgbase, to] of after) {
    const from = before.get(pkgbase);
    if (from !== undefined && from !== to) commits_changed.push({ pkgbase, from, to });
  }
  // A pkgbase may not contain "\n" (core/names.ts), so it separates the two ends of an edge safely.
  const key = ([from, to]: [string, string]): string => `${from}\n${to}`;
  const edgesBefore = new Set(prev.edges.map(key));
  const edgesAfter = new Set(next.edges.map(key));
  return {
    nodes_added: [...after.keys()].filter((p) => !before.has(p)).sort(byName),
    nodes_removed: [...before.keys()].filter((p) => !after.has(p)).sort(byName),
    commits_changed: commits_changed.sort((a, b) => byName(a.pkgbase, b.pkgbase)),
    edges_added: next.edges
      .filter((e) => !edgesBefore.has(key(e)))
      .map(([f, t]): [string, string] => [f, t])
      .sort(byPair),
    edges_removed: prev.edges
      .filter((e) => !edgesAfter.has(key(e)))
      .map(([f, t]): [string, string] => [f, t])
      .sort(byPair),
  };
}

const isEmptyArchDiff = (d: ArchDiff): boolean =>
  d.nodes_added.length === 0 &&
  d.nodes_removed.length === 0 &&
  d.commits_changed.length === 0 &&
  d.edges_added.length === 0 &&
  d.edges_removed.length === 0;

/** Compares graphs by what decides a rebuild: nodes, their commits, edges and architectures (not order or cycles). */
export function diffGraphs(prev: Record<string, ArchGraph>, next: Record<string, ArchGraph>): GraphDiff {
  const arches = [...new Set([...Object.keys(prev), ...Object.keys(next)])].sort(byName);
  const per_arch: Record<string, ArchDiff> = {};
  for (const arch of arches) {
    const diff = diffArch(graphOf(prev, arch), graphOf(next, arch));
    if (!isEmptyArchDiff(diff)) per_arch[arch] = diff;
  }
  return {
    architectures_added: arches.filter((a) => !Object.hasOwn(prev, a)),
    architectures_removed: arches.filter((a) => !Object.hasOwn(next, a)),
    per_arch,
  };
}

export function isEmptyDiff(d: GraphDiff): boolean {
  return (
    d.architectures_added.length === 0 &&
    d.architectures_removed.length === 0 &&
    Object.values(d.per_arch).every(isEmptyArchDiff)
  );
}
