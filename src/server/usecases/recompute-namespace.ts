// src/core/README.md, Iterations: a namespace gets a new iteration when it has none, its origins were edited, its graph
// changed, or a user asked. Builds of the new iteration start blocked or pending; the old ones stop.
//
// A namespace can have tens of thousands of nodes, so the work is split to keep the server answering: the
// graph, diff and build rows are planned off the main thread (plan-iteration.ts); the new iteration is then
// written as a draft, its builds in slices of a few hundred per transaction with the event loop let through
// between them, and made visible in one last short transaction. Until then every reader sees the previous
// iteration as the latest; a crash in between leaves a draft that the next start removes.
import { expectedFiles, optionalFiles } from "../../core/build-spec";
import { DomainError } from "../../core/errors";
import type { BuildRecord, IterationReason, NamespaceRecord } from "../../core/records";
import { type ArtifactRecord, listBuildArtifacts, upsertArtifact } from "../../db/artifacts";
import { findBuiltByIdentity, insertBuildRows } from "../../db/builds";
import {
  completeIteration,
  discardDraftSlice,
  insertIterationDraft,
  latestIterationGraphText,
} from "../../db/iterations";
import { getNamespaceById, setNamespaceProblem } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import { yieldToRequests } from "../../lib/yield";
import type { ServerDeps } from "../deps";
import type { ArchIndex } from "../graph-index";
import type { PlannedBuild, PlannedIteration } from "../plan-iteration";
import { isoNow } from "./build-lifecycle";
import { enqueuePending } from "./enqueue-pending";

/** One recompute at a time per server: a retry and the recompute loop must not write two drafts at once. */
const running = new WeakMap<ServerDeps, Promise<unknown>>();

/** The new iteration's id, or null when none was needed (or the namespace is cancelled). */
export function recomputeNamespace(
  deps: ServerDeps,
  namespaceId: number,
  opts: { retry?: boolean; rebuildAll?: boolean } = {},
): Promise<number | null> {
  const before = running.get(deps) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(() => recompute(deps, namespaceId, opts));
  running.set(deps, mine);
  return mine;
}

async function recompute(
  deps: ServerDeps,
  namespaceId: number,
  opts: { retry?: boolean; rebuildAll?: boolean },
): Promise<number | null> {
  const ns = getNamespaceById(deps.db, namespaceId);
  // A cancelled namespace gets no new iterations (src/core/README.md, Iterations).
  if (ns?.status !== "active") return null;

  const latest = latestIterationGraphText(deps.db, ns.id);
  // null: a new iteration only if the graph changed.
  let reason: IterationReason | null = !latest
    ? "first"
    : opts.retry
      ? "retry"
      : JSON.stringify(latest.originChangesets) !== JSON.stringify(ns.originChangesets)
        ? "origin_changesets_changed"
        : null;
  let planned: PlannedIteration;
  try {
    planned = await deps.catalog.planIteration({
      originChangesets: ns.originChangesets,
      include: ns.include,
      bump: ns.bump,
      defaultArch: deps.config.defaultArch,
      previousGraphJson: latest?.graphJson ?? null,
      stopIfUnchanged: reason === null,
    });
  } catch (error) {
    // The packager's to fix (a deleted branch, a broken .SRCINFO): shown on the namespace and retried on
    // every ref check, while the latest iteration stays as it is.
    if (error instanceof DomainError) noteProblem(deps, ns, error.message);
    throw error;
  }
  if (ns.problem !== null) noteProblem(deps, ns, null);
  if (reason === null) {
    if (planned.unchanged) return null;
    reason = "graph_changed";
  }
  // Planning took a while: the namespace may have been cancelled meanwhile.
  if (getNamespaceById(deps.db, ns.id)?.status !== "active") return null;

  const iterationId = inTransaction(deps.db, () =>
    insertIterationDraft(
      deps.db,
      {
        namespaceId: ns.id,
        reason: reason!,
        diffJson: planned.diffJson,
        origins: planned.origins,
        originChangesets: ns.originChangesets,
        graphJson: planned.graphJson,
      },
      isoNow(deps),
    ),
  );
  let reusedCount = 0;
  const indexes = new Map<string, ArchIndex>();
  try {
    for (const a of planned.architectures) {
      const reused = new Set<string>();
      const index: ArchIndex = { nodes: [], deps: new Map(), dependents: new Map() };
      for (const slice of a.slices) {
        await yieldToRequests();
        const builds = JSON.parse(slice) as PlannedBuild[];
        writeSlice(deps, ns, iterationId, a.arch, builds, reused, opts.rebuildAll === true);
        for (const b of builds) {
          index.nodes.push(b.pkgbase);
          if (b.deps.length > 0) index.deps.set(b.pkgbase, b.deps);
          for (const d of b.deps) (index.dependents.get(d) ?? index.dependents.set(d, []).get(d)!).push(b.pkgbase);
        }
      }
      indexes.set(a.arch, index);
      reusedCount += reused.size;
    }
    await yieldToRequests();
    // Cancelled while its builds were written: no new iteration after all.
    const made = inTransaction(deps.db, () => {
      if (getNamespaceById(deps.db, ns.id)?.status !== "active") return false;
      completeIteration(deps.db, iterationId);
      return true;
    });
    if (!made) {
      await discardDraft(deps, iterationId);
      return null;
    }
  } catch (error) {
    await discardDraft(deps, iterationId).catch((e) =>
      deps.log.error("removing a half-written iteration failed", { iteration: iterationId, error: String(e) }),
    );
    throw error;
  }
  // What the scheduler and ETA ask about this iteration's graph, known already: no need to parse it back.
  deps.graphs.seed(iterationId, indexes);
  // The new iteration's repositories exist, valid, before anyone hears of it (`latest` moves now), with the
  // reused nodes' packages: their dependents may install them at once.
  const arches = planned.architectures.map((a) => a.arch);
  await Promise.all(arches.map((arch) => deps.publisher.publish(ns.name, iterationId, arch)));

  // Builds of a superseded iteration are not started; running ones may finish.
  deps.scheduler.remove((b) => b.namespaceId === ns.id);
  enqueuePending(deps, iterationId);
  deps.log.info("iteration created", {
    namespace: ns.name,
    iteration: iterationId,
    reason,
    nodes: planned.architectures.reduce((n, a) => n + a.nodes, 0),
    reused: reusedCount,
  });
  deps.events.emit({ type: "iteration", namespaceId: ns.id, iterationId });
  return iterationId;
}

/** One slice of builds in one transaction: earlier equal builds reused, the rest pending or blocked. */
function writeSlice(
  deps: ServerDeps,
  ns: NamespaceRecord,
  iterationId: number,
  arch: string,
  builds: PlannedBuild[],
  reused: Set<string>,
  rebuildAll: boolean,
): void {
  inTransaction(deps.db, () => {
    // A node's dependencies come before it in build order, so they are decided in this or an earlier slice.
    const reuse = rebuildAll ? new Map<string, Reuse>() : reuseEarlierBuilds(deps, ns, iterationId, arch, builds);
    for (const pkgbase of reuse.keys()) reused.add(pkgbase);
    const at = isoNow(deps);
    const ids = insertBuildRows(
      deps.db,
      builds.map((b) => {
        const from = reuse.get(b.pkgbase);
        return {
          iterationId,
          namespaceId: ns.id,
          arch,
          pkgbase: b.pkgbase,
          commit: b.commit,
          ref: b.ref,
          position: b.position,
          status: from ? "built" : b.deps.every((d) => reused.has(d)) ? "pending" : "blocked",
          specJson: b.specJson,
          pkgrelBump: b.pkgrelBump,
          identity: b.identity,
          reusedFromBuild: from?.build.reusedFromBuild ?? from?.build.id ?? null,
          reusedFromIteration: from?.build.reusedFromIteration ?? from?.build.iterationId ?? null,
          finishedAt: from ? at : null,
        };
      }),
      at,
    );
    builds.forEach((b, i) => {
      for (const a of reuse.get(b.pkgbase)?.artifacts ?? [])
        upsertArtifact(
          deps.db,
          {
            iterationId,
            arch,
            buildId: ids[i]!,
            fileName: a.fileName,
            size: a.size,
            entry: a.entry,
            staged: false,
          },
          at,
        );
    });
  });
}

/** Remove a draft a slice at a time (a failed or abandoned recompute). */
async function discardDraft(deps: ServerDeps, iterationId: number): Promise<void> {
  while (!discardDraftSlice(deps.db, iterationId)) await yieldToRequests();
}

function noteProblem(deps: ServerDeps, ns: NamespaceRecord, problem: string | null): void {
  if (ns.problem === problem) return;
  setNamespaceProblem(deps.db, ns.id, problem, isoNow(deps));
  if (problem) deps.log.warn("namespace sources unusable", { namespace: ns.name, problem });
  else deps.log.info("namespace sources usable again", { namespace: ns.name });
  deps.events.emit({ type: "namespace", namespaceId: ns.id });
}

interface Reuse {
  build: BuildRecord;
  artifacts: ArtifactRecord[];
}

/**
 * The nodes of a new iteration that an earlier build of the namespace with the same identity already
 * produced: their package files are hard-linked into the new iteration's repository (never copied),
 * so deleting one iteration's files leaves the others intact. A node whose earlier files are gone, or
 * whose expected files differ, is built again. Runs inside the slice's transaction.
 */
function reuseEarlierBuilds(
  deps: ServerDeps,
  ns: NamespaceRecord,
  iterationId: number,
  arch: string,
  builds: PlannedBuild[],
): Map<string, Reuse> {
  const earlier = findBuiltByIdentity(deps.db, ns.id, arch, [...new Set(builds.map((b) => b.identity))]);
  const out = new Map<string, Reuse>();
  if (earlier.size === 0) return out;
  const toDir = deps.publisher.dir(ns.name, iterationId, arch);
  for (const { pkgbase, identity } of builds) {
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
