// One namespace with an iteration (latest or given) as the API's JSON; the web UI reads the same.

import { pacmanConfSection, repoName } from "../../api/routes";
import type { Activity, BuildNode, Iteration, NamespaceDetail } from "../../api/schemas";
import { committedVersion, kindOf } from "../../core/build-spec";
import { describeVersion } from "../../core/bump";
import { duplicatePkgnames } from "../../core/duplicates";
import { NotFound } from "../../core/errors";
import { formatVersion } from "../../core/package-file";
import type { BuildRecord, IterationRecord, NamespaceRecord } from "../../core/records";
import { listAudit } from "../../db/audit";
import { getBuilds, listBuildBriefs, listIterationBuilds } from "../../db/builds";
import { getIteration, latestIteration, listIterationSummaries } from "../../db/iterations";
import { yieldToRequests } from "../../lib/yield";
import type { ServerDeps } from "../deps";
import { estimateFinish } from "./estimate-finish";
import { requireNamespace } from "./update-namespace";

export const namespaceJson = (ns: NamespaceRecord) => ({
  name: ns.name,
  status: ns.status,
  origin_changesets: ns.originChangesets,
  include: ns.include,
  bump: ns.bump,
  problem: ns.problem,
  created_by: ns.createdBy,
  created_at: ns.createdAt,
  updated_at: ns.updatedAt,
});

export function buildJson(deps: ServerDeps, b: BuildRecord, pkgnames: string[], blockedBy: string[]): BuildNode {
  const estimate = deps.planning.estimate(b.pkgbase, b.arch);
  return {
    id: b.id,
    pkgbase: b.pkgbase,
    commit: b.commit,
    ref: b.ref,
    arch: b.arch,
    status: b.status,
    version: formatVersion(committedVersion(b.spec)),
    built_version: formatVersion(b.spec.version),
    kind: kindOf(b.spec),
    version_text: describeVersion(committedVersion(b.spec), b.spec.bump),
    pkgnames,
    attempts: b.attempts,
    blocked_by: blockedBy,
    failure_reason: b.failureReason,
    worker: b.leaseWorker,
    pipeline_id: b.pipelineId,
    pipeline_url: b.pipelineUrl,
    started_at: b.startedAt,
    finished_at: b.finishedAt,
    identity: b.identity,
    reused_from_iteration: b.reusedFromIteration,
    duration_ms: b.durationMs,
    estimate_ms: estimate.ms,
    estimate_source: estimate.source,
  };
}

export const pacmanConf = (deps: ServerDeps, ns: string, iteration: number | "latest"): string =>
  pacmanConfSection(deps.config.baseUrl, ns, iteration);

export function iterationJson(
  deps: ServerDeps,
  ns: NamespaceRecord,
  it: IterationRecord,
  latestId: number,
  arch?: string,
): Iteration {
  const builds = listIterationBuilds(deps.db, it.id);
  const architectures: Iteration["architectures"] = {};
  for (const [a, g] of Object.entries(it.graph)) {
    if (arch && a !== arch) continue;
    const mine = builds.filter((b) => b.arch === a);
    const status = new Map(mine.map((b) => [b.pkgbase, b.status]));
    const index = deps.graphs.get(it.id, a);
    const pkgnames = new Map(g.nodes.map((n) => [n.pkgbase, n.pkgnames]));
    const counts: Record<string, number> = {};
    for (const b of mine) counts[b.status] = (counts[b.status] ?? 0) + 1;
    architectures[a] = {
      nodes: mine.map((b) =>
        buildJson(
          deps,
          b,
          pkgnames.get(b.pkgbase) ?? [],
          b.status === "blocked" ? (index.deps.get(b.pkgbase) ?? []).filter((d) => status.get(d) !== "built") : [],
        ),
      ),
      edges: g.edges,
      removed_edges: g.removed_edges,
      cycles: g.cycles,
      duplicate_pkgnames: duplicatePkgnames(g.nodes),
      order: g.order,
      counts,
    };
  }
  return { ...iterationHeadJson(deps, ns, it, latestId), architectures };
}

/** An iteration's JSON without its architectures (the part the same for every reader). */
function iterationHeadJson(
  deps: ServerDeps,
  ns: NamespaceRecord,
  it: IterationRecord,
  latestId: number,
): Omit<Iteration, "architectures"> & { architectures: Iteration["architectures"] } {
  const urls: Record<string, string> = {};
  for (const a of Object.keys(it.graph)) urls[a] = `${deps.config.baseUrl}/repo/${ns.name}/${it.id}/os/${a}/`;
  return {
    id: it.id,
    reason: it.reason,
    created_at: it.createdAt,
    diff: it.diff,
    origins: it.origins,
    superseded: it.id !== latestId,
    eta: estimateFinish(deps, it, it.id === latestId && ns.status === "active"),
    pruned_at: it.prunedAt,
    architectures: {},
    repository: {
      name: repoName(ns.name),
      urls,
      pacman_conf: pacmanConf(deps, ns.name, it.id === latestId ? "latest" : it.id),
    },
  };
}

export function showNamespace(
  deps: ServerDeps,
  name: string,
  q: { iteration?: number; arch?: string },
): NamespaceDetail {
  const { ns, latest, it } = resolveTarget(deps, name, q);
  return {
    namespace: namespaceJson(ns),
    iteration: it && latest ? iterationJson(deps, ns, it, latest.id, q.arch) : null,
    iterations: iterationList(deps, ns),
    activity: namespaceActivity(deps, ns.name),
  };
}

/** The audit log's target for a namespace. */
export const namespaceTarget = (name: string) => `namespace ${name}`;

/** The last 20 changes made to a namespace and who made them. */
export function namespaceActivity(deps: ServerDeps, name: string): Activity[] {
  return listAudit(deps.db, {
    limit: 20,
    target: namespaceTarget(name),
    result: "ok",
  }).map((e) => ({
    at: e.at,
    actor: e.actor,
    action: e.action,
  }));
}

/** Builds (and edges) serialised per step of a streamed answer: each step is a short stretch of work. */
const STREAM_SLICE = 500;

/**
 * showNamespace's JSON, byte for byte, as a stream: the namespace with every node of a large iteration is
 * megabytes of JSON, so its nodes and edges are read and serialised a slice at a time, with other requests
 * let in between. Unknown namespaces, iterations and architectures throw before anything is sent.
 */
export function streamNamespace(
  deps: ServerDeps,
  name: string,
  q: { iteration?: number; arch?: string },
): ReadableStream<Uint8Array> {
  const { ns, latest, it } = resolveTarget(deps, name, q);
  // The answer without the long lists; each list's place holds a marker no real value can equal.
  const marker = (what: string, arch: string) => `\u0000${what}:${arch}`;
  const lists = new Map<string, () => Generator<string>>();
  let iteration: Iteration | null = null;
  if (it && latest) {
    const architectures: Iteration["architectures"] = {};
    for (const [a, g] of Object.entries(it.graph)) {
      if (q.arch && a !== q.arch) continue;
      const briefs = listBuildBriefs(deps.db, it.id, a);
      const status = new Map(briefs.map((b) => [b.pkgbase, b.status]));
      const counts: Record<string, number> = {};
      for (const b of briefs) counts[b.status] = (counts[b.status] ?? 0) + 1;
      const index = deps.graphs.get(it.id, a);
      const pkgnames = new Map(g.nodes.map((n) => [n.pkgbase, n.pkgnames]));
      const slice = (i: number): string => {
        const nodes = getBuilds(
          deps.db,
          briefs.slice(i, i + STREAM_SLICE).map((b) => b.id),
        ).map((b) =>
          buildJson(
            deps,
            b,
            pkgnames.get(b.pkgbase) ?? [],
            b.status === "blocked" ? (index.deps.get(b.pkgbase) ?? []).filter((d) => status.get(d) !== "built") : [],
          ),
        );
        return JSON.stringify(nodes).slice(1, -1);
      };
      // One slice is read now, with the counts and the ETA, so a small iteration's answer is one moment's
      // state; a large one's later slices are read as they are sent and may be newer than its head.
      const firstSlice = slice(0);
      lists.set(marker("nodes", a), function* () {
        yield firstSlice;
        for (let i = STREAM_SLICE; i < briefs.length; i += STREAM_SLICE) yield slice(i);
      });
      lists.set(marker("edges", a), function* () {
        for (let i = 0; i < g.edges.length; i += STREAM_SLICE * 10)
          yield JSON.stringify(g.edges.slice(i, i + STREAM_SLICE * 10)).slice(1, -1);
      });
      architectures[a] = {
        nodes: marker("nodes", a) as unknown as BuildNode[],
        edges: marker("edges", a) as unknown as [string, string][],
        removed_edges: g.removed_edges,
        cycles: g.cycles,
        duplicate_pkgnames: duplicatePkgnames(g.nodes),
        order: g.order,
        counts,
      };
    }
    iteration = { ...iterationHeadJson(deps, ns, it, latest.id), architectures };
  }
  const detail: NamespaceDetail = {
    namespace: namespaceJson(ns),
    iteration,
    iterations: iterationList(deps, ns),
    activity: namespaceActivity(deps, ns.name),
  };
  // The skeleton, cut at the markers: text, a list, text, a list, …, text.
  const skeleton = JSON.stringify(detail);
  const steps: (string | (() => Generator<string>))[] = [];
  let rest = skeleton;
  for (const [m, list] of lists) {
    const at = rest.indexOf(JSON.stringify(m));
    steps.push(`${rest.slice(0, at)}[`, list, "]");
    rest = rest.slice(at + JSON.stringify(m).length);
  }
  steps.push(rest);
  const encoder = new TextEncoder();
  let current: Generator<string> | null = null;
  let first = true;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (started) await yieldToRequests();
      started = true;
      for (;;) {
        if (current) {
          const next = current.next();
          if (!next.done) {
            if (next.value === "") continue;
            controller.enqueue(encoder.encode(first ? next.value : `,${next.value}`));
            first = false;
            return;
          }
          current = null;
        }
        const step = steps.shift();
        if (step === undefined) return controller.close();
        if (typeof step === "string") {
          if (step === "") continue;
          controller.enqueue(encoder.encode(step));
          return;
        }
        current = step();
        first = true;
      }
    },
  });
}

/** Every iteration of the namespace, newest first, as the API lists them. */
function iterationList(deps: ServerDeps, ns: NamespaceRecord): NamespaceDetail["iterations"] {
  return listIterationSummaries(deps.db, [ns.id]).map((s) => ({
    id: s.id,
    reason: s.reason,
    created_at: s.createdAt,
    pruned_at: s.prunedAt,
  }));
}

/** The namespace, its latest iteration and the one asked for; NotFound for an unknown iteration or architecture. */
function resolveTarget(deps: ServerDeps, name: string, q: { iteration?: number; arch?: string }) {
  const ns = requireNamespace(deps, name);
  const latest = latestIteration(deps.db, ns.id);
  const it = q.iteration === undefined ? latest : getIteration(deps.db, ns.id, q.iteration);
  if (q.iteration !== undefined && !it) throw new NotFound(`namespace ${name} has no iteration ${q.iteration}`);
  if (q.arch && it && !(q.arch in it.graph)) throw new NotFound(`iteration ${it.id} of ${name} has no ${q.arch} graph`);
  return { ns, latest, it };
}
