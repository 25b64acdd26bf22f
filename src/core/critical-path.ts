// Which ready build should start first, and when a namespace will be done. Both rest on the same
// number: a node's remaining path, its own estimate plus the longest chain of estimates below it (its
// dependents, their dependents, …). Starting the node with the longest remaining path first keeps the
// chain that decides the finish time moving; plain build order can leave a long build at the head of a
// long chain for last.

export interface DagView {
  /** Every node, in build order (each after everything it depends on). */
  nodes: readonly string[];
  /** node → the nodes built after it. */
  dependents: ReadonlyMap<string, readonly string[]>;
}

/** node → its estimate plus the longest chain of estimates among its dependents, in milliseconds. */
export function remainingPaths(dag: DagView, estimateMs: (node: string) => number): Map<string, number> {
  const out = new Map<string, number>();
  // Reverse build order: every dependent is done before the nodes it depends on.
  for (let i = dag.nodes.length - 1; i >= 0; i--) {
    const node = dag.nodes[i]!;
    let below = 0;
    for (const d of dag.dependents.get(node) ?? []) below = Math.max(below, out.get(d) ?? 0);
    out.set(node, estimateMs(node) + below);
  }
  return out;
}

export interface RemainingNode {
  node: string;
  /** What the node waits for (nodes outside `nodes` count as done). */
  deps: readonly string[];
  state: "waiting" | "running";
  /** For running nodes: how long it has been running. */
  elapsedMs?: number;
}

/**
 * How long the rest of a graph will take on `slots` parallel builders, by simulating the scheduler:
 * whenever a slot is free, the ready node with the longest remaining path starts; running nodes finish
 * after their estimate minus what they already ran (a node past its estimate is taken to finish now).
 * Nodes that can never start (waiting for a node not in `nodes` and not done) must be left out by the
 * caller. Returns milliseconds from now until the last node finishes.
 */
export function simulateRemaining(
  nodes: readonly RemainingNode[],
  slots: number,
  estimateMs: (node: string) => number,
  priority: (node: string) => number,
): number {
  // Nodes by number, their estimates, priorities and name ranks in flat arrays: a graph of tens of thousands
  // of nodes is simulated on every ETA asked for, and map lookups in the heaps' comparisons made it slow.
  const n = nodes.length;
  const numberOf = new Map(nodes.map((x, i) => [x.node, i]));
  const estimate = new Float64Array(n);
  const rank = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    estimate[i] = estimateMs(nodes[i]!.node);
    rank[i] = priority(nodes[i]!.node);
  }
  const byName = nodes.map((_, i) => i).sort((x, y) => (nodes[x]!.node < nodes[y]!.node ? -1 : 1));
  const nameOrder = new Int32Array(n);
  byName.forEach((i, k) => {
    nameOrder[i] = k;
  });
  const waitingOn = new Int32Array(n);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (const d of nodes[i]!.deps) {
      const j = numberOf.get(d);
      if (j === undefined) continue;
      waitingOn[i]!++;
      dependents[j]!.push(i);
    }
  }
  const finishing = new MinHeap<{ at: number; node: number }>((a, b) => a.at - b.at);
  const ready = new MinHeap<number>((a, b) => rank[b]! - rank[a]! || nameOrder[a]! - nameOrder[b]!);
  let running = 0;
  for (let i = 0; i < n; i++) {
    if (nodes[i]!.state === "running") {
      finishing.push({ at: Math.max(0, estimate[i]! - (nodes[i]!.elapsedMs ?? 0)), node: i });
      running++;
    } else if (waitingOn[i] === 0) ready.push(i);
  }
  // More running than slots (a burst of free workers): they all run; new starts wait for a free slot.
  let free = Math.max(0, Math.max(1, slots) - running);
  let now = 0;
  for (;;) {
    while (free > 0 && ready.size > 0) {
      const node = ready.pop()!;
      finishing.push({ at: now + estimate[node]!, node });
      free--;
    }
    const next = finishing.pop();
    if (!next) return now;
    now = next.at;
    free++;
    for (const d of dependents[next.node]!) {
      waitingOn[d]!--;
      if (waitingOn[d] === 0) ready.push(d);
    }
  }
}

/** A binary heap with the smallest element (by `compare`) on top. */
export class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.compare(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.compare(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
  /** Every element, in no particular order. */
  values(): readonly T[] {
    return this.items;
  }
}
