// The indexed planner (numbered, flat arrays, overlays) against a direct, slow reading of src/core/README.md, Build
// graph on small random universes: any shortcut in the index or the overlay that changes an answer shows here.
import { expect, test } from "bun:test";
import { type ArchGraph, createPlanner, type PlanOptions, type PlanResult, planArchitectures } from "./graph";
import { mergeForArch, relationName } from "./merge";
import type { CommitId, EdgeKind, IncludeKind, MergedPackage, Pkgbase, SourceEntry, SrcinfoPackage } from "./types";

const KINDS: EdgeKind[] = ["depends", "makedepends", "checkdepends"];
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** src/core/README.md, Build graph, read literally: every question answered by scanning everything. */
function referencePlan(universe: Map<string, SourceEntry>, origins: SourceEntry[], options: PlanOptions): PlanResult {
  const entries = new Map(universe);
  for (const origin of origins) entries.set(origin.pkgbase, origin);
  const unresolved = new Set<string>();
  const architectures: Record<string, ArchGraph> = {};
  for (const arch of planArchitectures(origins, options)) {
    const packages = new Map<string, MergedPackage[]>();
    for (const [pkgbase, entry] of entries) {
      const merged = mergeForArch(entry.srcinfo, arch);
      if (merged.length > 0) packages.set(pkgbase, merged);
    }
    const having = (has: (p: MergedPackage) => boolean): string[] =>
      [...packages].filter(([, ps]) => ps.some(has)).map(([pkgbase]) => pkgbase);
    const resolve = (name: string): string[] => {
      const builders = having((p) => p.pkgname === name);
      return builders.length > 0 ? builders : having((p) => p.provides.some((r) => relationName(r) === name));
    };
    const dependsOn = (dependent: string, kind: EdgeKind, dependency: string): boolean =>
      (packages.get(dependent) ?? []).some((p) => p[kind].some((r) => resolve(relationName(r)).includes(dependency)));

    const follow = KINDS.filter((kind) => kind === "depends" || options.include.includes(kind as IncludeKind));
    const members = new Set(origins.map((o) => o.pkgbase as string).filter((pkgbase) => packages.has(pkgbase)));
    for (let grew = true; grew; ) {
      grew = false;
      for (const candidate of packages.keys()) {
        if (members.has(candidate)) continue;
        if ([...members].some((m) => follow.some((kind) => dependsOn(candidate, kind, m)))) {
          members.add(candidate);
          grew = true;
        }
      }
    }

    const edges = new Map<string, { from: string; to: string; kind: EdgeKind }>();
    for (const dependent of members) {
      for (const kind of KINDS) {
        for (const relation of (packages.get(dependent) ?? []).flatMap((p) => p[kind])) {
          const targets = resolve(relationName(relation));
          if (targets.length === 0) unresolved.add(relationName(relation));
          for (const dependency of targets) {
            const key = `${dependency} ${dependent}`;
            if (dependency !== dependent && members.has(dependency) && !edges.has(key)) {
              edges.set(key, { from: dependency, to: dependent, kind });
            }
          }
        }
      }
    }

    const reachable = (from: string, within: Set<string>): Set<string> => {
      const seen = new Set([from]);
      for (const stack = [from]; stack.length > 0; ) {
        const node = stack.pop() as string;
        for (const e of edges.values()) {
          if (e.from === node && within.has(e.to) && !seen.has(e.to)) {
            seen.add(e.to);
            stack.push(e.to);
          }
        }
      }
      return seen;
    };
    const components = (within: Set<string>): string[][] => {
      const done = new Set<string>();
      const found: string[][] = [];
      for (const node of [...within].sort(byName)) {
        if (done.has(node)) continue;
        const component = [...reachable(node, within)].filter((other) => reachable(other, within).has(node));
        for (const member of component) done.add(member);
        found.push(component.sort(byName));
      }
      return found;
    };
    const cycles = components(members).filter((c) => c.length > 1);
    const removed: ArchGraph["removed_edges"] = [];
    for (const pending = [...cycles]; pending.length > 0; ) {
      const component = new Set(pending.pop());
      const inside = [...edges].filter(([, e]) => component.has(e.from) && component.has(e.to));
      const smallest = [...component].sort(byName)[0];
      const checks = inside.filter(([, e]) => e.kind === "checkdepends");
      const makes = inside.filter(([, e]) => e.kind === "makedepends");
      const victims =
        checks.length > 0 ? checks : makes.length > 0 ? makes : inside.filter(([, e]) => e.to === smallest);
      for (const [key, e] of victims) {
        edges.delete(key);
        removed.push({ ...e, reason: "cycle" });
      }
      pending.push(...components(component).filter((c) => c.length > 1));
    }

    const order: string[] = [];
    for (const left = new Set(members); left.size > 0; ) {
      const ready = [...left].filter((n) => ![...edges.values()].some((e) => e.to === n && left.has(e.from)));
      const next = ready.sort(byName)[0] as string;
      order.push(next);
      left.delete(next);
    }
    const at = (pkgbase: string): number => order.indexOf(pkgbase);
    architectures[arch] = {
      nodes: order.map((pkgbase) => {
        const entry = entries.get(pkgbase) as SourceEntry;
        const pkgnames = (packages.get(pkgbase) ?? []).map((p) => p.pkgname);
        return { pkgbase, commit: entry.commit, ref: entry.ref, pkgnames };
      }),
      edges: [...edges.values()]
        .sort((a, b) => at(a.from) - at(b.from) || at(a.to) - at(b.to))
        .map((e): [string, string] => [e.from, e.to]),
      removed_edges: removed.sort((a, b) => byName(a.from, b.from) || byName(a.to, b.to)),
      cycles,
      order,
    };
  }
  return { architectures, unresolved: unresolved.size };
}

/** A small deterministic generator (LCG), so a failure names a seed that reproduces it. */
function generator(seed: number) {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return { random, pick };
}

const ARCH_LISTS = [["x86_64"], ["aarch64"], ["x86_64", "aarch64"], ["any"]];

function randomEntry(g: ReturnType<typeof generator>, i: number, size: number, ref: string): SourceEntry {
  const pkgbase = `pb${i}`;
  const arch = g.pick(ARCH_LISTS);
  // Names that hit pkgnames, second pkgnames of split packages, sonames, virtual provides, or nothing.
  const relations = (): string[] =>
    Array.from({ length: Math.floor(g.random() * 3) }, () => {
      const j = Math.floor(g.random() * size);
      return g.pick([`pb${j}`, `pb${j}`, `pb${j}-extra>=1`, `lib${j % 7}.so=1-64`, `virtual${j % 5}`]);
    });
  const packages = Array.from(
    { length: g.random() < 0.3 ? 2 : 1 },
    (_, k): SrcinfoPackage => ({
      pkgname: k === 0 ? pkgbase : `${pkgbase}-extra`,
      arch: g.random() < 0.2 ? g.pick(ARCH_LISTS) : arch,
      archSpecific: g.random() < 0.3 ? { aarch64: { depends: relations() } } : {},
      depends: relations(),
      makedepends: relations(),
      checkdepends: relations(),
      optdepends: [],
      provides:
        g.random() < 0.3
          ? [g.pick([`lib${i % 7}.so=1-64`, `virtual${i % 5}`, `pb${Math.floor(g.random() * size)}`])]
          : [],
      conflicts: [],
      replaces: [],
    }),
  );
  return {
    pkgbase: pkgbase as Pkgbase,
    ref,
    commit: `${ref}-${i}`.padStart(40, "0") as CommitId,
    srcinfo: { pkgbase, version: { epoch: null, pkgver: "1", pkgrel: "1" }, arch, packages },
  };
}

const INCLUDES: IncludeKind[][] = [[], ["makedepends"], ["checkdepends"], ["makedepends", "checkdepends"]];

test.each([1, 2, 3, 4, 5])("planner agrees with the literal reading of the Build graph rules (seed %d)", (seed) => {
  const g = generator(seed);
  let cyclic = 0;
  let overlaid = 0;
  for (let universeRun = 0; universeRun < 12; universeRun++) {
    const size = 5 + Math.floor(g.random() * 20);
    const universe = new Map<string, SourceEntry>();
    for (let i = 0; i < size; i++) if (g.random() < 0.9) universe.set(`pb${i}`, randomEntry(g, i, size, "main"));
    const planner = createPlanner(universe);
    // Several plans per planner: overlays of one plan must not leak into the next.
    for (let planRun = 0; planRun < 4; planRun++) {
      const origins = new Map<string, SourceEntry>();
      for (let k = 1 + Math.floor(g.random() * 3); k > 0; k--) {
        const i = Math.floor(g.random() * size);
        const atMain = universe.get(`pb${i}`);
        origins.set(`pb${i}`, atMain && g.random() < 0.5 ? atMain : randomEntry(g, i, size, `branch${planRun}`));
      }
      const options: PlanOptions = {
        include: g.pick(INCLUDES),
        defaultArch: g.pick(["x86_64", "riscv64"]),
        arch: g.random() < 0.2 ? g.pick(["x86_64", "aarch64"]) : undefined,
      };
      const planned = planner.plan([...origins.values()], options);
      expect(planned).toEqual(referencePlan(universe, [...origins.values()], options));
      cyclic += Object.values(planned.architectures).filter((a) => a.cycles.length > 0).length;
      overlaid += [...origins.values()].some((o) => universe.get(o.pkgbase) !== o) ? 1 : 0;
    }
  }
  // The generator must keep exercising cycles and overlays, or this test proves little.
  expect(cyclic).toBeGreaterThan(5);
  expect(overlaid).toBeGreaterThan(10);
});
