// Who depends on whom in one iteration, per architecture: derived once from the stored graph.
import type { ArchGraph } from "../core/graph";
import { getIterationById } from "../db/iterations";
import type { Db } from "../db/open";

export interface ArchIndex {
  /** Every pkgbase, in build order. */
  nodes: string[];
  /** pkgbase → pkgbases it must wait for. */
  deps: Map<string, string[]>;
  /** pkgbase → pkgbases waiting for it. */
  dependents: Map<string, string[]>;
}

export function indexGraph(g: Pick<ArchGraph, "edges"> & Partial<Pick<ArchGraph, "nodes">>): ArchIndex {
  const deps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const [from, to] of g.edges) {
    (deps.get(to) ?? deps.set(to, []).get(to)!).push(from);
    (dependents.get(from) ?? dependents.set(from, []).get(from)!).push(to);
  }
  return { nodes: (g.nodes ?? []).map((n) => n.pkgbase), deps, dependents };
}

/** Small cache: the few iterations being built are asked about on every result. */
export class GraphIndexCache {
  private cache = new Map<number, Map<string, ArchIndex>>();
  constructor(
    private readonly db: Db,
    private readonly capacity = 64,
  ) {}

  /** An iteration just written, whose indexes its writer already has (parsing its graph back costs more). */
  seed(iterationId: number, perArch: Map<string, ArchIndex>): void {
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(iterationId, perArch);
  }

  get(iterationId: number, arch: string): ArchIndex {
    let perArch = this.cache.get(iterationId);
    if (!perArch) {
      const it = getIterationById(this.db, iterationId);
      perArch = new Map(Object.entries(it?.graph ?? {}).map(([a, g]) => [a, indexGraph(g)]));
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(iterationId, perArch);
    }
    return perArch.get(arch) ?? { nodes: [], deps: new Map(), dependents: new Map() };
  }
}
