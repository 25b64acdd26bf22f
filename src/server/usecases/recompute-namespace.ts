// src/core/README.md, Iterations: a namespace gets a new iteration when it has none, its origins were edited, its graph
// changed, or a user asked. Builds of the new iteration start blocked or pending; the old ones stop.
import { createHash } from "node:crypto";
import { graphIdentities } from "../../core/build-identity";
import { buildSpec, expectedFiles, optionalFiles } from "../../core/build-spec";
import { decideBump, type PkgrelBump } from "../../core/bump";
import { DomainError } from "../../core/errors";
import type { Planner } from "../../core/graph";
import { diffGraphs, isEmptyDiff } from "../../core/graph-diff";
import { parseOriginChangeset } from "../../core/names";
import type { BuildRecord, IterationReason, IterationRecord, NamespaceRecord } from "../../core/records";
import type { SourceEntry } from "../../core/types";
import { type ArtifactRecord, listBuildArtifacts, upsertArtifact } from "../../db/artifacts";
import { findBuiltByIdentity, insertBuilds, type NewBuild } from "../../db/builds";
import { insertIteration, latestIteration } from "../../db/iterations";
import { getNamespaceById, setNamespaceProblem } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { indexGraph } from "../graph-index";
import { isoNow } from "./build-lifecycle";
import { enqueuePending } from "./enqueue-pending";

export async function recomputeNamespace(
  deps: ServerDeps,
  namespaceId: number,
  opts: { retry?: boolean; rebuildAll?: boolean } = {},
): Promise<IterationRecord | null> {
  const ns = getNamespaceById(deps.db, namespaceId);
  // A cancelled namespace gets no new iterations (src/core/README.md, Iterations).
  if (ns?.status !== "active") return null;

  let originEntries: SourceEntry[];
  let planned: ReturnType<Planner["plan"]>;
  try {
    originEntries = ns.originChangesets.map((o) => {
      const { pkgbase, ref } = parseOriginChangeset(o);
      return deps.catalog.readAt(pkgbase, ref);
    });
    planned = deps.catalog.planner().plan(originEntries, { include: ns.include, defaultArch: deps.config.defaultArch });
  } catch (error) {
    // The packager's to fix (a deleted branch, a broken .SRCINFO): shown on the namespace and retried on
    // every ref check, while the latest iteration stays as it is.
    if (error instanceof DomainError) noteProblem(deps, ns, error.message);
    throw error;
  }
  if (ns.problem !== null) noteProblem(deps, ns, null);
  const graph = planned.architectures;

  const latest = latestIteration(deps.db, ns.id);
  let reason: IterationReason;
  let diff = null;
  if (!latest) reason = "first";
  else if (opts.retry) reason = "retry";
  else if (JSON.stringify(latest.originChangesets) !== JSON.stringify(ns.originChangesets))
    reason = "origin_changesets_changed";
  else {
    diff = diffGraphs(latest.graph, graph);
    if (isEmptyDiff(diff)) return null;
    reason = "graph_changed";
  }
  if (reason !== "graph_changed" && latest) diff = diffGraphs(latest.graph, graph);

  let reusedCount = 0;
  const entryFor = (pkgbase: string) => originEntries.find((e) => e.pkgbase === pkgbase) ?? deps.catalog.entry(pkgbase);
  // A node that is not an origin is a rebuild: built with its pkgrel bumped (unless the namespace says not).
  // Decided here, once per node, and part of its build identity.
  const origins = new Set(originEntries.map((e) => e.pkgbase as string));
  const bumps = new Map<string, PkgrelBump | null>();
  const bumpOf = (pkgbase: string): PkgrelBump | null => {
    if (!bumps.has(pkgbase)) {
      const entry = entryFor(pkgbase);
      bumps.set(pkgbase, entry ? decideBump(entry.srcinfo.version, origins.has(pkgbase), ns.bump) : null);
    }
    return bumps.get(pkgbase) ?? null;
  };

  const iteration = inTransaction(deps.db, () => {
    const it = insertIteration(
      deps.db,
      {
        namespaceId: ns.id,
        reason,
        diff,
        origins: originEntries.map((e) => ({ pkgbase: e.pkgbase, ref: e.ref, commit: e.commit })),
        originChangesets: ns.originChangesets,
        graph,
      },
      isoNow(deps),
    );
    for (const [arch, g] of Object.entries(graph)) {
      const identities = graphIdentities(g, arch, sha256, (pkgbase) => bumpOf(pkgbase)?.to ?? null);
      const reused = opts.rebuildAll ? new Map() : reuseEarlierBuilds(deps, ns, it.id, arch, identities);
      const index = indexGraph(g);
      const rows: NewBuild[] = g.nodes.map((node, position) => {
        const entry = entryFor(node.pkgbase);
        if (!entry) throw new Error(`no source entry for graph node ${node.pkgbase}`);
        const from = reused.get(node.pkgbase);
        const ready = (index.deps.get(node.pkgbase) ?? []).every((d) => reused.has(d));
        return {
          iterationId: it.id,
          namespaceId: ns.id,
          arch,
          pkgbase: node.pkgbase,
          commit: node.commit,
          ref: node.ref,
          position,
          status: from ? "built" : ready ? "pending" : "blocked",
          spec: buildSpec(entry.srcinfo, arch, {
            kind: origins.has(node.pkgbase) ? "origin" : "rebuild",
            bump: bumpOf(node.pkgbase),
          }),
          pkgrelBump: bumpOf(node.pkgbase)?.to ?? null,
          identity: identities.get(node.pkgbase) ?? null,
          reusedFromBuild: from?.build.reusedFromBuild ?? from?.build.id ?? null,
          reusedFromIteration: from?.build.reusedFromIteration ?? from?.build.iterationId ?? null,
          finishedAt: from ? isoNow(deps) : null,
        };
      });
      const inserted = insertBuilds(deps.db, rows, isoNow(deps));
      for (const b of inserted) {
        for (const a of reused.get(b.pkgbase)?.artifacts ?? [])
          upsertArtifact(
            deps.db,
            {
              iterationId: it.id,
              arch,
              buildId: b.id,
              fileName: a.fileName,
              size: a.size,
              entry: a.entry,
              staged: false,
            },
            isoNow(deps),
          );
      }
      reusedCount += reused.size;
    }
    return it;
  });
  // The new iteration's repositories exist, valid, before anyone hears of it (`latest` moves now), with the
  // reused nodes' packages: their dependents may install them at once.
  await Promise.all(Object.keys(graph).map((arch) => deps.publisher.publish(ns.name, iteration.id, arch)));

  // Builds of a superseded iteration are not started; running ones may finish.
  deps.scheduler.remove((b) => b.namespaceId === ns.id);
  if (ns.status === "active") enqueuePending(deps, iteration.id);
  const nodes = Object.values(graph).reduce((n, g) => n + g.nodes.length, 0);
  deps.log.info("iteration created", {
    namespace: ns.name,
    iteration: iteration.id,
    reason,
    nodes,
    reused: reusedCount,
  });
  deps.events.emit({ type: "iteration", namespaceId: ns.id, iterationId: iteration.id });
  return iteration;
}

function noteProblem(deps: ServerDeps, ns: NamespaceRecord, problem: string | null): void {
  if (ns.problem === problem) return;
  setNamespaceProblem(deps.db, ns.id, problem, isoNow(deps));
  if (problem) deps.log.warn("namespace sources unusable", { namespace: ns.name, problem });
  else deps.log.info("namespace sources usable again", { namespace: ns.name });
  deps.events.emit({ type: "namespace", namespaceId: ns.id });
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

interface Reuse {
  build: BuildRecord;
  artifacts: ArtifactRecord[];
}

/**
 * The nodes of a new iteration that an earlier build of the namespace with the same identity already
 * produced: their package files are hard-linked into the new iteration's repository (never copied),
 * so deleting one iteration's files leaves the others intact. A node whose earlier files are gone, or
 * whose expected files differ, is built again. Runs inside the iteration's transaction.
 */
function reuseEarlierBuilds(
  deps: ServerDeps,
  ns: NamespaceRecord,
  iterationId: number,
  arch: string,
  identities: Map<string, string>,
): Map<string, Reuse> {
  const earlier = findBuiltByIdentity(deps.db, ns.id, arch, [...new Set(identities.values())]);
  const out = new Map<string, Reuse>();
  if (earlier.size === 0) return out;
  const toDir = deps.publisher.dir(ns.name, iterationId, arch);
  for (const [pkgbase, identity] of identities) {
    const build = earlier.get(identity);
    if (!build) continue;
    const artifacts = listBuildArtifacts(deps.db, build.id);
    const files = artifacts.map((a) => a.fileName).sort();
    const expected = expectedFiles(build.spec);
    // Every expected file, and besides them only the optional -debug package.
    const allowed = new Set([...expected, ...optionalFiles(build.spec)]);
    if (!expected.every((f) => files.includes(f)) || !files.every((f) => allowed.has(f))) continue;
    const fromDir = deps.publisher.dir(ns.name, build.iterationId, arch);
    if (!files.every((f) => deps.packages.link(fromDir, toDir, f))) continue;
    out.set(pkgbase, { build, artifacts });
  }
  return out;
}
