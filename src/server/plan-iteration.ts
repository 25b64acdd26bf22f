// The CPU-heavy half of a recompute (src/core/README.md, Iterations): the namespace's graph on the current
// sources, its diff with the latest iteration's, and every node's build row (spec, pkgrel bump, build
// identity). Runs in the planning thread (plan-thread-worker.ts), or on the main thread when that thread is
// unavailable. The answer is compact on purpose: JSON text in slices of a few hundred builds, so handing it
// to the main thread copies strings instead of cloning a graph of objects, and the main thread parses and
// writes one slice at a time between answering requests.
import { createHash } from "node:crypto";
import { graphIdentities } from "../core/build-identity";
import { buildSpec } from "../core/build-spec";
import { type BumpMode, decideBump, type PkgrelBump } from "../core/bump";
import type { ArchGraph, Planner } from "../core/graph";
import { diffGraphs, isEmptyDiff } from "../core/graph-diff";
import { parseOriginChangeset } from "../core/names";
import type { IncludeKind, SourceEntry } from "../core/types";

/** Builds per slice: each is parsed and written by the main thread in one short step. */
export const PLAN_SLICE = 250;

export interface IterationPlanRequest {
  originChangesets: string[];
  include: IncludeKind[];
  bump: BumpMode;
  defaultArch: string;
  /** The latest iteration's graph as stored (JSON text), to diff against; null before the first. */
  previousGraphJson: string | null;
  /** Stop after the diff when it is empty: nothing else would make a new iteration (a plain ref check). */
  stopIfUnchanged: boolean;
}

/** One build of the new iteration, as the main thread writes it. */
export interface PlannedBuild {
  pkgbase: string;
  commit: string;
  ref: string;
  /** Place in the architecture's build order. */
  position: number;
  specJson: string;
  pkgrelBump: string | null;
  identity: string;
  /** The pkgbases it is built after (direct), in the graph's edge order. */
  deps: string[];
}

export interface PlannedArch {
  arch: string;
  nodes: number;
  /** JSON arrays of PlannedBuild, PLAN_SLICE at most each, in build order. */
  slices: string[];
}

export interface PlannedIteration {
  origins: { pkgbase: string; ref: string; commit: string }[];
  /** The diff with the previous graph (JSON), null before the first iteration. */
  diffJson: string | null;
  unchanged: boolean;
  /** Empty when planning stopped at an unchanged graph. */
  graphJson: string;
  architectures: PlannedArch[];
}

export interface IterationSources {
  planner: Planner;
  /** A pkgbase at a ref (throws the sources' typed errors). */
  readAt(pkgbase: string, ref: string): SourceEntry;
  /** A pkgbase at main. */
  entry(pkgbase: string): SourceEntry | undefined;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export function planIteration(sources: IterationSources, request: IterationPlanRequest): PlannedIteration {
  const originEntries = request.originChangesets.map((o) => {
    const { pkgbase, ref } = parseOriginChangeset(o);
    return sources.readAt(pkgbase, ref);
  });
  const graph = sources.planner.plan(originEntries, {
    include: request.include,
    defaultArch: request.defaultArch,
  }).architectures;
  const origins = originEntries.map((e) => ({ pkgbase: e.pkgbase as string, ref: e.ref, commit: e.commit as string }));
  let diffJson: string | null = null;
  let unchanged = false;
  if (request.previousGraphJson !== null) {
    const diff = diffGraphs(JSON.parse(request.previousGraphJson) as Record<string, ArchGraph>, graph);
    unchanged = isEmptyDiff(diff);
    diffJson = JSON.stringify(diff);
  }
  if (unchanged && request.stopIfUnchanged) return { origins, diffJson, unchanged, graphJson: "", architectures: [] };

  const originByName = new Map<string, SourceEntry>();
  for (const e of originEntries) if (!originByName.has(e.pkgbase)) originByName.set(e.pkgbase, e);
  const entryFor = (pkgbase: string) => originByName.get(pkgbase) ?? sources.entry(pkgbase);
  // A node that is not an origin is a rebuild: built with its pkgrel bumped (unless the namespace says not).
  // Decided here, once per node, and part of its build identity.
  const originNames = new Set(originByName.keys());
  const bumps = new Map<string, PkgrelBump | null>();
  const bumpOf = (pkgbase: string): PkgrelBump | null => {
    if (!bumps.has(pkgbase)) {
      const entry = entryFor(pkgbase);
      bumps.set(pkgbase, entry ? decideBump(entry.srcinfo.version, originNames.has(pkgbase), request.bump) : null);
    }
    return bumps.get(pkgbase) ?? null;
  };

  const architectures: PlannedArch[] = [];
  for (const [arch, g] of Object.entries(graph)) {
    const identities = graphIdentities(g, arch, sha256, (pkgbase) => bumpOf(pkgbase)?.to ?? null);
    const depsOf = new Map<string, string[]>();
    for (const [from, to] of g.edges) (depsOf.get(to) ?? depsOf.set(to, []).get(to)!).push(from);
    const slices: string[] = [];
    let slice: PlannedBuild[] = [];
    g.nodes.forEach((node, position) => {
      const entry = entryFor(node.pkgbase);
      if (!entry) throw new Error(`no source entry for graph node ${node.pkgbase}`);
      const bump = bumpOf(node.pkgbase);
      slice.push({
        pkgbase: node.pkgbase,
        commit: node.commit,
        ref: node.ref,
        position,
        specJson: JSON.stringify(
          buildSpec(entry.srcinfo, arch, { kind: originNames.has(node.pkgbase) ? "origin" : "rebuild", bump }),
        ),
        pkgrelBump: bump?.to ?? null,
        identity: identities.get(node.pkgbase)!,
        deps: depsOf.get(node.pkgbase) ?? [],
      });
      if (slice.length === PLAN_SLICE) {
        slices.push(JSON.stringify(slice));
        slice = [];
      }
    });
    if (slice.length > 0) slices.push(JSON.stringify(slice));
    architectures.push({ arch, nodes: g.nodes.length, slices });
  }
  return { origins, diffJson, unchanged, graphJson: JSON.stringify(graph), architectures };
}
