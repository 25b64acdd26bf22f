// Graph algorithms behind a build graph (src/core/README.md, Build graph, steps 5–6): strongly connected components,
// the cycle breaking rule, and the deterministic topological order. Nodes are numbered 0…size-1 in pkgbase name order,
// so "smallest name" is "smallest number" and the hot loops run on typed arrays instead of string-keyed maps. Iterative
// throughout: graphs reach 15,000 nodes, deeper than the call stack allows.
import type { EdgeKind } from "./types";

/** Name order used everywhere a tie is broken: code-unit order, independent of locale. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Edges between nodes 0…size-1, each with its kind, indexed by source. Cycle breaking clears `alive`;
 * every algorithm here ignores dead edges.
 */
export class NumberedGraph {
  readonly alive: Uint8Array;
  /** The edges leaving node n are `outgoing[starts[n]]` … `outgoing[starts[n + 1] - 1]`. */
  readonly starts: Int32Array;
  readonly outgoing: Int32Array;

  constructor(
    readonly size: number,
    readonly from: readonly number[],
    readonly to: readonly number[],
    readonly kind: readonly EdgeKind[],
  ) {
    const edges = from.length;
    const starts = new Int32Array(size + 1);
    for (let edge = 0; edge < edges; edge++) (starts[(from[edge] as number) + 1] as number)++;
    for (let node = 0; node < size; node++) starts[node + 1] = (starts[node + 1] as number) + (starts[node] as number);
    const fill = starts.slice(0, size);
    const outgoing = new Int32Array(edges);
    for (let edge = 0; edge < edges; edge++) {
      const source = from[edge] as number;
      outgoing[fill[source] as number] = edge;
      fill[source] = (fill[source] as number) + 1;
    }
    this.starts = starts;
    this.outgoing = outgoing;
    this.alive = new Uint8Array(edges).fill(1);
  }
}

/**
 * Tarjan's strongly connected components without recursion. Holds its work arrays so that cycle breaking
 * can re-examine one component after another without reallocating graph-sized arrays each time.
 */
class Tarjan {
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;
  private readonly stack: Int32Array;
  private readonly callNode: Int32Array;
  private readonly callCursor: Int32Array;

  constructor(private readonly graph: NumberedGraph) {
    const n = graph.size;
    this.index = new Int32Array(n).fill(-1);
    this.low = new Int32Array(n);
    this.onStack = new Uint8Array(n);
    this.stack = new Int32Array(n);
    this.callNode = new Int32Array(n);
    this.callCursor = new Int32Array(n);
  }

  /** Components among `nodes` over alive edges; with `inside`, edges to nodes outside that set are ignored. */
  components(nodes: Iterable<number>, inside?: Uint8Array): number[][] {
    const { index, low, onStack, stack, callNode, callCursor } = this;
    const { starts, outgoing, alive, to } = this.graph;
    const visited: number[] = [];
    const found: number[][] = [];
    let counter = 0;
    let stackTop = 0;
    let depth = 0;
    const enter = (node: number): void => {
      index[node] = low[node] = counter++;
      visited.push(node);
      stack[stackTop++] = node;
      onStack[node] = 1;
      callNode[depth] = node;
      callCursor[depth] = starts[node] as number;
      depth++;
    };
    for (const root of nodes) {
      if (index[root] !== -1) continue;
      enter(root);
      while (depth > 0) {
        const node = callNode[depth - 1] as number;
        const cursor = callCursor[depth - 1] as number;
        if (cursor < (starts[node + 1] as number)) {
          callCursor[depth - 1] = cursor + 1;
          const edge = outgoing[cursor] as number;
          if (alive[edge] === 0) continue;
          const next = to[edge] as number;
          if (inside && inside[next] === 0) continue;
          if (index[next] === -1) enter(next);
          else if (onStack[next] === 1) low[node] = Math.min(low[node] as number, index[next] as number);
          continue;
        }
        depth--;
        if (low[node] === index[node]) {
          const component: number[] = [];
          let member: number;
          do {
            member = stack[--stackTop] as number;
            onStack[member] = 0;
            component.push(member);
          } while (member !== node);
          found.push(component);
        }
        if (depth > 0) {
          const parent = callNode[depth - 1] as number;
          low[parent] = Math.min(low[parent] as number, low[node] as number);
        }
      }
    }
    for (const node of visited) index[node] = -1;
    return found;
  }
}

const allNodes = (size: number): number[] => Array.from({ length: size }, (_, node) => node);

/** Strongly connected components over the alive edges. */
export function stronglyConnectedComponents(graph: NumberedGraph): number[][] {
  return new Tarjan(graph).components(allNodes(graph.size));
}

/**
 * Makes the graph acyclic by src/core/README.md, Build graph, step 5, clearing `alive` of the edges it drops: inside
 * each cyclic component drop its checkdepends edges, else its makedepends edges, else the edges entering its smallest
 * member; then re-examine what is still cyclic inside it the same way. Edges outside cycles are never touched. Returns
 * the dropped edge numbers and the original cyclic components (members and components ascending).
 */
export function breakCycles(graph: NumberedGraph): { dropped: number[]; cycles: number[][] } {
  const { starts, outgoing, alive, to, kind } = graph;
  const tarjan = new Tarjan(graph);
  const cycles = tarjan
    .components(allNodes(graph.size))
    .filter((component) => component.length > 1)
    .map((component) => component.sort((a, b) => a - b))
    .sort((a, b) => (a[0] as number) - (b[0] as number));
  const dropped: number[] = [];
  const inside = new Uint8Array(graph.size);
  const pending = [...cycles];
  for (let component = pending.pop(); component; component = pending.pop()) {
    for (const node of component) inside[node] = 1;
    const internal: number[] = [];
    for (const node of component) {
      for (let i = starts[node] as number; i < (starts[node + 1] as number); i++) {
        const edge = outgoing[i] as number;
        if (alive[edge] === 1 && inside[to[edge] as number] === 1) internal.push(edge);
      }
    }
    const ofKind = (wanted: EdgeKind): number[] => internal.filter((edge) => kind[edge] === wanted);
    const smallest = component.reduce((a, b) => Math.min(a, b));
    const checks = ofKind("checkdepends");
    const makes = checks.length > 0 ? checks : ofKind("makedepends");
    const victims = makes.length > 0 ? makes : internal.filter((edge) => to[edge] === smallest);
    for (const edge of victims) {
      alive[edge] = 0;
      dropped.push(edge);
    }
    for (const rest of tarjan.components(component, inside)) if (rest.length > 1) pending.push(rest);
    for (const node of component) inside[node] = 0;
  }
  return { dropped, cycles };
}

/** Kahn's algorithm over the alive edges, always taking the smallest ready node next. */
export function topologicalOrder(graph: NumberedGraph): number[] {
  const { starts, outgoing, alive, to } = graph;
  const indegree = new Int32Array(graph.size);
  for (let edge = 0; edge < to.length; edge++) {
    if (alive[edge] === 1) (indegree[to[edge] as number] as number)++;
  }
  const ready = new MinHeap();
  for (let node = 0; node < graph.size; node++) if (indegree[node] === 0) ready.push(node);
  const order: number[] = [];
  while (ready.size > 0) {
    const node = ready.pop();
    order.push(node);
    for (let i = starts[node] as number; i < (starts[node + 1] as number); i++) {
      const edge = outgoing[i] as number;
      if (alive[edge] === 0) continue;
      const next = to[edge] as number;
      indegree[next] = (indegree[next] as number) - 1;
      if (indegree[next] === 0) ready.push(next);
    }
  }
  if (order.length !== graph.size) throw new Error("topologicalOrder: the graph still has a cycle");
  return order;
}

/** A binary min-heap of numbers; enough for Kahn's ready set. */
export class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: number): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as number;
      if (above <= item) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  /** The smallest item; the heap must not be empty. */
  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    const size = items.length;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[i] = items[child] as number;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
