// A layered (Sugiyama-style) drawing of a small build graph, left to right in build order: each node sits in
// the column of its longest chain of dependencies, long edges pass through placeholder slots so they can be
// ordered too, crossings are reduced by barycentre sweeps, and rows are pulled towards their neighbours.
// Pure and deterministic: the same graph always gives the same picture. Meant for ≤ a few hundred nodes.

export interface LayoutInput {
  /** Node ids in a topological order (dependencies first). */
  nodes: string[];
  /** [from, to]: from is built before to. Pairs naming unknown nodes are ignored. */
  edges: [string, string][];
  /** Width of a node's box, e.g. from its label length. */
  width: (id: string) => number;
}

export interface PlacedNode {
  id: string;
  layer: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** From the source's right side to the target's left side, through every column in between. */
  points: [number, number][];
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: RoutedEdge[];
}

const NODE_HEIGHT = 22;
const ROW_GAP = 10;
const DUMMY_HEIGHT = 4;
const COLUMN_GAP = 70;
const MARGIN = 12;
const SWEEPS = 8;

interface Slot {
  /** Node id, or null for a placeholder on a long edge. */
  id: string | null;
  layer: number;
  height: number;
  /** Neighbouring slot indexes in the previous and next layer. */
  up: number[];
  down: number[];
  y: number;
}

/** Column of each node: 0 for nodes without dependencies, else one more than its deepest dependency. */
export function layersOf(nodes: string[], edges: [string, string][]): Map<string, number> {
  const layer = new Map<string, number>(nodes.map((n) => [n, 0]));
  const preds = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (!layer.has(from) || !layer.has(to)) continue;
    (preds.get(to) ?? preds.set(to, []).get(to)!).push(from);
  }
  for (const n of nodes) {
    let l = 0;
    for (const p of preds.get(n) ?? []) l = Math.max(l, layer.get(p)! + 1);
    layer.set(n, l);
  }
  return layer;
}

/**
 * The edges not implied by a longer chain: with a → b → c, the edge a → c adds no order and is dropped.
 * `nodes` must be in topological order. Quadratic in the node count: for drawn (small) graphs.
 */
export function transitiveReduction(nodes: string[], edges: [string, string][]): [string, string][] {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const succ: number[][] = nodes.map(() => []);
  for (const [from, to] of edges) {
    const a = index.get(from);
    const b = index.get(to);
    if (a !== undefined && b !== undefined && a !== b) succ[a]!.push(b);
  }
  // reach[i]: every node reachable from i through at least one edge.
  const reach: Set<number>[] = nodes.map(() => new Set());
  for (let i = nodes.length - 1; i >= 0; i--)
    for (const s of succ[i]!) {
      reach[i]!.add(s);
      for (const r of reach[s]!) reach[i]!.add(r);
    }
  return edges.filter(([from, to]) => {
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined) return false;
    return !succ[a]!.some((s) => s !== b && reach[s]!.has(b));
  });
}

export function layoutGraph(input: LayoutInput): Layout {
  const layerOf = layersOf(input.nodes, input.edges);
  const slots: Slot[] = [];
  const slotOf = new Map<string, number>();
  const addSlot = (id: string | null, layer: number): number => {
    slots.push({ id, layer, height: id === null ? DUMMY_HEIGHT : NODE_HEIGHT, up: [], down: [], y: 0 });
    return slots.length - 1;
  };
  for (const n of input.nodes) slotOf.set(n, addSlot(n, layerOf.get(n)!));

  // Each edge becomes a chain of slots, one per column it crosses.
  const chains: { from: string; to: string; slots: number[] }[] = [];
  for (const [from, to] of input.edges) {
    const a = slotOf.get(from);
    const b = slotOf.get(to);
    if (a === undefined || b === undefined || a === b) continue;
    const chain = [a];
    for (let l = slots[a]!.layer + 1; l < slots[b]!.layer; l++) chain.push(addSlot(null, l));
    chain.push(b);
    for (let i = 1; i < chain.length; i++) {
      slots[chain[i - 1]!]!.down.push(chain[i]!);
      slots[chain[i]!]!.up.push(chain[i - 1]!);
    }
    chains.push({ from, to, slots: chain });
  }

  const layerCount = Math.max(0, ...slots.map((s) => s.layer + 1));
  let order: number[][] = Array.from({ length: layerCount }, () => []);
  for (let i = 0; i < slots.length; i++) order[slots[i]!.layer]!.push(i);
  order = minimiseCrossings(slots, order);

  const columnWidth = order.map((col) =>
    Math.max(8, ...col.map((i) => (slots[i]!.id ? input.width(slots[i]!.id!) : 8))),
  );
  const columnX: number[] = [];
  let x = MARGIN;
  for (const w of columnWidth) {
    columnX.push(x);
    x += w + COLUMN_GAP;
  }
  assignRows(slots, order);

  const top = Math.min(...slots.map((s) => s.y));
  for (const s of slots) s.y = Math.round(s.y + MARGIN - top);
  const height = Math.max(...slots.map((s) => s.y + s.height)) + MARGIN;

  const nodes: PlacedNode[] = input.nodes.map((id) => {
    const s = slots[slotOf.get(id)!]!;
    return { id, layer: s.layer, x: columnX[s.layer]!, y: s.y, width: input.width(id), height: s.height };
  });
  const mid = (i: number) => slots[i]!.y + slots[i]!.height / 2;
  const edges: RoutedEdge[] = chains.map(({ from, to, slots: chain }) => {
    const first = chain[0]!;
    const last = chain[chain.length - 1]!;
    const points: [number, number][] = [[columnX[slots[first]!.layer]! + input.width(from), mid(first)]];
    for (const i of chain.slice(1, -1)) {
      const l = slots[i]!.layer;
      points.push([columnX[l]!, mid(i)], [columnX[l]! + columnWidth[l]!, mid(i)]);
    }
    points.push([columnX[slots[last]!.layer]!, mid(last)]);
    return { from, to, points };
  });
  if (slots.length === 0) return { width: 2 * MARGIN, height: 2 * MARGIN, nodes, edges };
  return { width: x - COLUMN_GAP + MARGIN, height, nodes, edges };
}

/** Barycentre sweeps down and up the columns; keeps the ordering with the fewest crossings seen. */
function minimiseCrossings(slots: Slot[], initial: number[][]): number[][] {
  let best = initial.map((c) => [...c]);
  let bestCrossings = crossings(slots, best);
  const current = best.map((c) => [...c]);
  for (let sweep = 0; sweep < SWEEPS && bestCrossings > 0; sweep++) {
    const downward = sweep % 2 === 0;
    const position = new Map<number, number>();
    for (const col of current) for (const [i, s] of col.entries()) position.set(s, i);
    const range = downward
      ? current.map((_, l) => l).slice(1)
      : current
          .map((_, l) => l)
          .slice(0, -1)
          .reverse();
    for (const l of range) {
      const keyed = current[l]!.map((s, i) => {
        const neighbours = downward ? slots[s]!.up : slots[s]!.down;
        const bary = neighbours.length
          ? neighbours.reduce((sum, n) => sum + position.get(n)!, 0) / neighbours.length
          : position.get(s)!;
        return { s, bary, i };
      });
      keyed.sort((a, b) => a.bary - b.bary || a.i - b.i);
      current[l] = keyed.map((k) => k.s);
      for (const [i, s] of current[l]!.entries()) position.set(s, i);
    }
    const n = crossings(slots, current);
    if (n < bestCrossings) {
      bestCrossings = n;
      best = current.map((c) => [...c]);
    }
  }
  return best;
}

/** Edge crossings between adjacent columns (pairs of segments whose ends are in opposite order). */
function crossings(slots: Slot[], order: number[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < order.length; l++) {
    const below = new Map(order[l + 1]!.map((s, i) => [s, i]));
    const segments: [number, number][] = [];
    order[l]!.forEach((s, i) => {
      for (const d of slots[s]!.down) segments.push([i, below.get(d)!]);
    });
    segments.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 0; i < segments.length; i++)
      for (let j = i + 1; j < segments.length; j++)
        if (segments[j]![0] > segments[i]![0] && segments[j]![1] < segments[i]![1]) total++;
  }
  return total;
}

/** Rows: stacked in order, then pulled towards the mean of their neighbours without overlapping. */
function assignRows(slots: Slot[], order: number[][]): void {
  for (const col of order) {
    let y = 0;
    for (const s of col) {
      slots[s]!.y = y;
      y += slots[s]!.height + ROW_GAP;
    }
  }
  const centre = (s: number) => slots[s]!.y + slots[s]!.height / 2;
  for (let pass = 0; pass < 6; pass++) {
    const layers = order.map((_, l) => l);
    for (const l of pass % 2 === 0 ? layers : layers.reverse()) {
      const col = order[l]!;
      const wanted = col.map((s) => {
        const n = [...slots[s]!.up, ...slots[s]!.down];
        return n.length ? n.reduce((sum, o) => sum + centre(o), 0) / n.length - slots[s]!.height / 2 : slots[s]!.y;
      });
      // Place in order at the wanted row or just below the previous one, then shift the column up by the
      // mean overshoot so it does not drift downwards pass after pass.
      let next = Number.NEGATIVE_INFINITY;
      let overshoot = 0;
      col.forEach((s, i) => {
        const y = Math.max(wanted[i]!, next);
        overshoot += y - wanted[i]!;
        slots[s]!.y = y;
        next = y + slots[s]!.height + ROW_GAP;
      });
      const shift = col.length ? overshoot / col.length : 0;
      for (const s of col) slots[s]!.y -= shift;
    }
  }
}
