// Which packages are in a build graph, and in which order they are built (src/core/README.md, Build graph).
// A Planner indexes a universe of pkgbases once per architecture; each plan overlays its few origin
// changesets on that index instead of rebuilding it, so planning stays fast on an Arch-sized universe.
import { breakCycles, byName, NumberedGraph, topologicalOrder } from "./graph-order";
import { concreteArchitectures, mergeForArch, relationName } from "./merge";
import type { EdgeKind, IncludeKind, SourceEntry } from "./types";

export interface GraphNode {
  pkgbase: string;
  commit: string;
  ref: string;
  pkgnames: string[];
}
export interface RemovedEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  reason: "cycle";
}
export interface ArchGraph {
  /** In `order` order. */
  nodes: GraphNode[];
  /** Build-before pairs [from, to], sorted by the order position of from, then of to. */
  edges: [string, string][];
  removed_edges: RemovedEdge[];
  /** Each cyclic strongly connected component, members sorted. */
  cycles: string[][];
  order: string[];
}
export interface PlanOptions {
  /** Restricts the plan to this one architecture. */
  arch?: string;
  /** Dependency kinds that widen membership beyond runtime `depends` (src/core/README.md, Build graph, step 3). */
  include: IncludeKind[];
  /** Where origins that name only `any` are built. */
  defaultArch: string;
}
export interface PlanResult {
  architectures: Record<string, ArchGraph>;
  /** Distinct dependency names of member packages (every arch of the plan, every kind) that resolve to nothing. */
  unresolved: number;
}
/** Built once per universe; memoises per-arch indexes so repeated plans are fast. */
export interface Planner {
  plan(origins: SourceEntry[], options: PlanOptions): PlanResult;
}

/**
 * Strongest first: an edge with several reasons takes the first of these it has (src/core/README.md, Build graph, step
 * 5).
 */
const EDGE_KINDS: readonly EdgeKind[] = ["depends", "makedepends", "checkdepends"];

// Names and pkgbases are numbered inside an architecture's index, whose lists sit in flat typed arrays:
// plans are graph walks, and walking string-keyed maps and per-name arrays made them ~20× slower.

/**
 * The ways a pkgbase mentions a name, one list each: it builds a package of that name, it provides it,
 * or it depends on it by one of the edge kinds (role 2 + the kind's place in EDGE_KINDS).
 */
const BUILDS = 0;
const PROVIDES = 1;
const ROLE_COUNT = 2 + EDGE_KINDS.length;
const dependsRole = (kind: number): number => 2 + kind;
const RESOLUTION_ROLES = (1 << BUILDS) | (1 << PROVIDES);

/** What one pkgbase builds for one architecture: its pkgnames, and the numbers of the names it mentions, by role. */
interface Facts {
  pkgnames: string[];
  /**
   * Distinct name numbers per role; relations reduced to the name they resolve by (src/core/README.md, Build graph,
   * step 2).
   */
  names: number[][];
}

function factsFor(entry: SourceEntry, arch: string, number: (name: string) => number): Facts | undefined {
  const packages = mergeForArch(entry.srcinfo, arch);
  if (packages.length === 0) return undefined;
  const numbers = (relations: string[]): number[] => [...new Set(relations.map(relationName))].map(number);
  return {
    pkgnames: packages.map((p) => p.pkgname),
    names: [
      numbers(packages.map((p) => p.pkgname)),
      numbers(packages.flatMap((p) => p.provides)),
      ...EDGE_KINDS.map((kind) => numbers(packages.flatMap((p) => p[kind]))),
    ],
  };
}

/** Hands out consecutive numbers to names, starting at `first`. */
class Numbering {
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  constructor(readonly first = 0) {}

  find(name: string): number | undefined {
    return this.numbers.get(name);
  }

  number(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.first + this.names.length;
      this.names.push(name);
      this.numbers.set(name, n);
    }
    return n;
  }

  nameOf(n: number): string | undefined {
    return this.names[n - this.first];
  }

  get end(): number {
    return this.first + this.names.length;
  }
}

/** Lists of numbers 0…count-1 in two flat arrays: list i is `items[starts[i]]` … `items[starts[i + 1] - 1]`. */
class FlatLists {
  private constructor(
    readonly starts: Int32Array,
    readonly items: Int32Array,
  ) {}

  static of(lists: readonly (readonly number[])[]): FlatLists {
    const starts = new Int32Array(lists.length + 1);
    lists.forEach((list, i) => {
      starts[i + 1] = (starts[i] as number) + list.length;
    });
    const items = new Int32Array(starts[lists.length] as number);
    lists.forEach((list, i) => {
      items.set(list, starts[i]);
    });
    return new FlatLists(starts, items);
  }

  /** The inverse relation: for each of `count` values, the lists that contain it, ascending. */
  static inverse(lists: FlatLists, count: number): FlatLists {
    const starts = new Int32Array(count + 1);
    for (const value of lists.items) (starts[value + 1] as number)++;
    for (let v = 0; v < count; v++) starts[v + 1] = (starts[v + 1] as number) + (starts[v] as number);
    const fill = starts.slice(0, count);
    const items = new Int32Array(lists.items.length);
    for (let list = 0; list + 1 < lists.starts.length; list++) {
      for (let i = lists.starts[list] as number; i < (lists.starts[list + 1] as number); i++) {
        const value = lists.items[i] as number;
        items[fill[value] as number] = list;
        fill[value] = (fill[value] as number) + 1;
      }
    }
    return new FlatLists(starts, items);
  }

  length(list: number): number {
    return (this.starts[list + 1] as number) - (this.starts[list] as number);
  }

  toArray(list: number): number[] {
    return Array.from(this.items.subarray(this.starts[list], this.starts[list + 1]));
  }
}

/** The memoised index of the universe for one architecture. Pkgbases building nothing there are left out. */
interface ArchIndex {
  pkgbases: Numbering;
  entries: SourceEntry[];
  pkgnames: string[][];
  /** Pkgbase numbers in name order: numbering a plan's members by name is then a scan, not a sort. */
  byName: number[];
  names: Numbering;
  /** Per role, pkgbase number → the names it mentions there. */
  mentioned: FlatLists[];
  /** Per role, name number → the pkgbases that mention it there. */
  mentioning: FlatLists[];
  /** src/core/README.md, Build graph step 2: name number → its builders if any, else its providers. */
  resolved: FlatLists;
}

function indexArch(universe: ReadonlyMap<string, SourceEntry>, arch: string): ArchIndex {
  const pkgbases = new Numbering();
  const names = new Numbering();
  const number = (name: string): number => names.number(name);
  const entries: SourceEntry[] = [];
  const facts: Facts[] = [];
  for (const [pkgbase, entry] of universe) {
    const f = factsFor(entry, arch, number);
    if (f === undefined) continue;
    pkgbases.number(pkgbase);
    entries.push(entry);
    facts.push(f);
  }
  const mentioned = Array.from({ length: ROLE_COUNT }, (_, role) =>
    FlatLists.of(facts.map((f) => f.names[role] ?? [])),
  );
  const mentioning = mentioned.map((lists) => FlatLists.inverse(lists, names.end));
  const [builders, providers] = mentioning as [FlatLists, FlatLists];
  const all = pkgbases.names;
  return {
    pkgbases,
    entries,
    pkgnames: facts.map((f) => f.pkgnames),
    byName: [...all.keys()].sort((a, b) => byName(all[a] as string, all[b] as string)),
    names,
    mentioned,
    mentioning,
    resolved: FlatLists.of(
      Array.from({ length: names.end }, (_, name) =>
        builders.length(name) > 0 ? builders.toArray(name) : providers.toArray(name),
      ),
    ),
  };
}

const NONE: readonly number[] = [];

/**
 * One architecture's universe as one plan sees it: the memoised index with the plan's origins laid over
 * it. Pkgbases and names the index does not know get numbers after its own. Only names that a replaced
 * pkgbase mentions (before or after) are looked up anew; all others answer straight from the index,
 * which is never modified.
 */
class PlanView {
  readonly origins: number[] = [];
  readonly pkgbaseCount: number;
  private readonly pkgbases: Numbering;
  private readonly names: Numbering;
  private readonly originEntries = new Map<number, SourceEntry>();
  /** Pkgbase number → its facts at the origin's ref (undefined: builds nothing for this arch there). */
  private readonly replaced = new Map<number, Facts | undefined>();
  private readonly isReplaced: Uint8Array;
  /** Per role, the mentions by replaced pkgbases at their origins' refs. */
  private readonly added: Map<number, number[]>[] = Array.from({ length: ROLE_COUNT }, () => new Map());
  /** Per name number, a bit per role whose list the overlay changes. */
  private readonly touched: Uint8Array;
  private readonly resolvedAnew = new Map<number, number[]>();

  constructor(
    private readonly index: ArchIndex,
    origins: readonly SourceEntry[],
    arch: string,
  ) {
    this.pkgbases = new Numbering(index.pkgbases.end);
    this.names = new Numbering(index.names.end);
    const number = (name: string): number => index.names.find(name) ?? this.names.number(name);
    for (const entry of origins) {
      const pkgbase = index.pkgbases.find(entry.pkgbase) ?? this.pkgbases.number(entry.pkgbase);
      this.origins.push(pkgbase);
      this.originEntries.set(pkgbase, entry);
      // The same .SRCINFO as the universe's needs no overlay; the node still shows the origin's ref.
      if (index.entries[pkgbase]?.srcinfo === entry.srcinfo) continue;
      const facts = factsFor(entry, arch, number);
      this.replaced.set(pkgbase, facts);
      for (let role = 0; facts && role < ROLE_COUNT; role++) {
        const added = this.added[role] as Map<number, number[]>;
        for (const name of facts.names[role] as number[]) {
          const list = added.get(name);
          if (list) list.push(pkgbase);
          else added.set(name, [pkgbase]);
        }
      }
    }
    this.pkgbaseCount = this.pkgbases.end;
    this.isReplaced = new Uint8Array(this.pkgbaseCount);
    this.touched = new Uint8Array(this.names.end);
    for (const pkgbase of this.replaced.keys()) {
      this.isReplaced[pkgbase] = 1;
      for (let role = 0; role < ROLE_COUNT; role++) {
        const mark = (name: number): void => {
          this.touched[name] = (this.touched[name] as number) | (1 << role);
        };
        this.eachIndexedName(pkgbase, role, mark);
        this.eachName(pkgbase, role, mark);
      }
    }
  }

  pkgbaseName(pkgbase: number): string {
    return (this.index.pkgbases.nameOf(pkgbase) ?? this.pkgbases.nameOf(pkgbase)) as string;
  }

  nameOf(name: number): string {
    return (this.index.names.nameOf(name) ?? this.names.nameOf(name)) as string;
  }

  entry(pkgbase: number): SourceEntry {
    return (this.originEntries.get(pkgbase) ?? this.index.entries[pkgbase]) as SourceEntry;
  }

  /** What the pkgbase builds for this architecture; undefined when nothing. */
  pkgnames(pkgbase: number): string[] | undefined {
    return this.isReplaced[pkgbase] === 1 ? this.replaced.get(pkgbase)?.pkgnames : this.index.pkgnames[pkgbase];
  }

  /** Calls `visit` with each name `pkgbase` mentions in `role`. */
  eachName(pkgbase: number, role: number, visit: (name: number) => void): void {
    if (this.isReplaced[pkgbase] === 1) {
      for (const name of this.replaced.get(pkgbase)?.names[role] ?? NONE) visit(name);
    } else {
      this.eachIndexedName(pkgbase, role, visit);
    }
  }

  /** Like eachName, but as the universe has it: what a replaced pkgbase mentioned before its origin's ref. */
  private eachIndexedName(pkgbase: number, role: number, visit: (name: number) => void): void {
    if (pkgbase >= this.index.pkgbases.end) return;
    const { starts, items } = this.index.mentioned[role] as FlatLists;
    for (let i = starts[pkgbase] as number; i < (starts[pkgbase + 1] as number); i++) visit(items[i] as number);
  }

  /** Calls `visit` with each pkgbase that mentions `name` in `role`. */
  eachMentioning(role: number, name: number, visit: (pkgbase: number) => void): void {
    const touched = ((this.touched[name] as number) & (1 << role)) !== 0;
    if (name < this.index.names.end) {
      const { starts, items } = this.index.mentioning[role] as FlatLists;
      for (let i = starts[name] as number; i < (starts[name + 1] as number); i++) {
        const pkgbase = items[i] as number;
        if (!touched || this.isReplaced[pkgbase] === 0) visit(pkgbase);
      }
    }
    if (touched) for (const pkgbase of this.added[role]?.get(name) ?? NONE) visit(pkgbase);
  }

  /** Whether some pkgbase builds a package named `name`. */
  isBuilt(name: number): boolean {
    if (((this.touched[name] as number) & (1 << BUILDS)) === 0) {
      return name < this.index.names.end && (this.index.mentioning[BUILDS] as FlatLists).length(name) > 0;
    }
    let built = false;
    this.eachMentioning(BUILDS, name, () => {
      built = true;
    });
    return built;
  }

  /**
   * src/core/README.md, Build graph step 2: calls `visit` with each pkgbase `name` resolves to — its builders if any,
   * otherwise its providers — and returns how many there were.
   */
  eachResolved(name: number, visit: (pkgbase: number) => void): number {
    if (((this.touched[name] as number) & RESOLUTION_ROLES) === 0) {
      if (name >= this.index.names.end) return 0;
      const { starts, items } = this.index.resolved;
      for (let i = starts[name] as number; i < (starts[name + 1] as number); i++) visit(items[i] as number);
      return (starts[name + 1] as number) - (starts[name] as number);
    }
    let targets = this.resolvedAnew.get(name);
    if (targets === undefined) {
      const found: number[] = [];
      this.eachMentioning(this.isBuilt(name) ? BUILDS : PROVIDES, name, (pkgbase) => found.push(pkgbase));
      targets = found;
      this.resolvedAnew.set(name, targets);
    }
    for (const pkgbase of targets) visit(pkgbase);
    return targets.length;
  }

  /** The pkgbases in `members` (a mask by pkgbase number), in name order. */
  inNameOrder(members: Uint8Array): number[] {
    const sorted: number[] = [];
    for (const pkgbase of this.index.byName) if (members[pkgbase] === 1) sorted.push(pkgbase);
    const unknown = this.pkgbases.names.map((_, i) => this.pkgbases.first + i).filter((p) => members[p] === 1);
    if (unknown.length === 0) return sorted;
    return [...sorted, ...unknown].sort((a, b) => byName(this.pkgbaseName(a), this.pkgbaseName(b)));
  }
}

/**
 * src/core/README.md, Build graph step 3: origins plus everything that reaches them through "is depended on by" links
 * of the followed kinds.
 */
function members(view: PlanView, follow: readonly number[]): Uint8Array {
  const found = new Uint8Array(view.pkgbaseCount);
  const queue: number[] = [];
  const add = (pkgbase: number): void => {
    if (found[pkgbase] === 1) return;
    found[pkgbase] = 1;
    queue.push(pkgbase);
  };
  const reach = (name: number): void => {
    for (const kind of follow) view.eachMentioning(dependsRole(kind), name, add);
  };
  // The names that resolve to a pkgbase: what it builds, and what it provides that nobody builds.
  const reachIfUnbuilt = (name: number): void => {
    if (!view.isBuilt(name)) reach(name);
  };
  for (const origin of view.origins) if (view.pkgnames(origin)) add(origin);
  for (let i = 0; i < queue.length; i++) {
    view.eachName(queue[i] as number, BUILDS, reach);
    view.eachName(queue[i] as number, PROVIDES, reachIfUnbuilt);
  }
  return found;
}

function planArch(view: PlanView, include: readonly IncludeKind[], unresolved: Set<string>): ArchGraph {
  const follow = EDGE_KINDS.flatMap((kind, k) => (kind === "depends" || include.includes(kind) ? [k] : []));
  // Graph nodes are numbered in name order: the graph algorithms pick "the smallest name" by number.
  const nodes = view.inNameOrder(members(view, follow));
  const nodeOf = new Int32Array(view.pkgbaseCount).fill(-1);
  nodes.forEach((pkgbase, node) => {
    nodeOf[pkgbase] = node;
  });

  // src/core/README.md, Build graph step 4: the induced subgraph. One edge per pair: kinds are visited strongest first,
  // so the first reason found for a pair is its kind and later ones are skipped.
  const from: number[] = [];
  const to: number[] = [];
  const kinds: EdgeKind[] = [];
  const lastDependent = new Int32Array(nodes.length).fill(-1);
  let dependent = 0;
  let kind: EdgeKind = "depends";
  const addEdge = (pkgbase: number): void => {
    const dependency = nodeOf[pkgbase] as number;
    if (dependency === -1 || dependency === dependent || lastDependent[dependency] === dependent) return;
    lastDependent[dependency] = dependent;
    from.push(dependency);
    to.push(dependent);
    kinds.push(kind);
  };
  const addEdges = (name: number): void => {
    if (view.eachResolved(name, addEdge) === 0) unresolved.add(view.nameOf(name));
  };
  for (dependent = 0; dependent < nodes.length; dependent++) {
    for (let k = 0; k < EDGE_KINDS.length; k++) {
      kind = EDGE_KINDS[k] as EdgeKind;
      view.eachName(nodes[dependent] as number, dependsRole(k), addEdges);
    }
  }

  const graph = new NumberedGraph(nodes.length, from, to, kinds);
  const { dropped, cycles } = breakCycles(graph);
  const order = topologicalOrder(graph);
  const position = new Int32Array(nodes.length);
  order.forEach((node, i) => {
    position[node] = i;
  });
  const names = nodes.map((pkgbase) => view.pkgbaseName(pkgbase));
  const nameOf = (node: number): string => names[node] as string;

  // Edges by (position of from, position of to): two stable counting sorts, least significant key first.
  const alive: number[] = [];
  for (let edge = 0; edge < to.length; edge++) if (graph.alive[edge] === 1) alive.push(edge);
  const byTo = countingSort(alive, nodes.length, (edge) => position[to[edge] as number] as number);
  const sorted = countingSort(byTo, nodes.length, (edge) => position[from[edge] as number] as number);
  const edges = Array.from(sorted, (edge): [string, string] => [
    nameOf(from[edge] as number),
    nameOf(to[edge] as number),
  ]);

  return {
    nodes: order.map((node) => {
      const pkgbase = nodes[node] as number;
      const entry = view.entry(pkgbase);
      return {
        pkgbase: nameOf(node),
        commit: entry.commit,
        ref: entry.ref,
        pkgnames: [...(view.pkgnames(pkgbase) ?? [])],
      };
    }),
    edges,
    // Node numbers follow names, so sorting by number sorts by name.
    removed_edges: dropped
      .sort((a, b) => (from[a] as number) - (from[b] as number) || (to[a] as number) - (to[b] as number))
      .map(
        (edge): RemovedEdge => ({
          from: nameOf(from[edge] as number),
          to: nameOf(to[edge] as number),
          kind: kinds[edge] as EdgeKind,
          reason: "cycle",
        }),
      ),
    cycles: cycles.map((component) => component.map(nameOf)),
    order: order.map(nameOf),
  };
}

/** `items` stably ordered by `key`, an integer in 0…keys-1. */
function countingSort(items: ArrayLike<number>, keys: number, key: (item: number) => number): Int32Array {
  const starts = new Int32Array(keys + 1);
  for (let i = 0; i < items.length; i++) (starts[key(items[i] as number) + 1] as number)++;
  for (let k = 0; k < keys; k++) starts[k + 1] = (starts[k + 1] as number) + (starts[k] as number);
  const sorted = new Int32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as number;
    const k = key(item);
    sorted[starts[k] as number] = item;
    starts[k] = (starts[k] as number) + 1;
  }
  return sorted;
}

/** The concrete architectures a plan covers, sorted: the origins' own, `any`-only origins adding the default. */
export function planArchitectures(
  origins: readonly SourceEntry[],
  options: Pick<PlanOptions, "arch" | "defaultArch">,
): string[] {
  if (options.arch !== undefined) return [options.arch];
  const arches = new Set<string>();
  for (const origin of origins) {
    const named = concreteArchitectures(origin.srcinfo);
    for (const arch of named.length > 0 ? named : [options.defaultArch]) arches.add(arch);
  }
  return [...arches].sort(byName);
}

/**
 * The universe maps each pkgbase to its entry at `main`, and must not change while the planner is used.
 * Origins replace the universe's entry of their pkgbase for that plan only (one origin per pkgbase:
 * a later one for the same pkgbase wins).
 */
export function createPlanner(universe: ReadonlyMap<string, SourceEntry>): Planner {
  const indexes = new Map<string, ArchIndex>();
  const indexFor = (arch: string): ArchIndex => {
    const known = indexes.get(arch);
    if (known) return known;
    const index = indexArch(universe, arch);
    indexes.set(arch, index);
    return index;
  };

  return {
    plan(origins, options) {
      const unique = [...new Map(origins.map((o) => [o.pkgbase, o])).values()];
      const unresolved = new Set<string>();
      const architectures: Record<string, ArchGraph> = {};
      for (const arch of planArchitectures(unique, options)) {
        architectures[arch] = planArch(new PlanView(indexFor(arch), unique, arch), options.include, unresolved);
      }
      return { architectures, unresolved: unresolved.size };
    },
  };
}
