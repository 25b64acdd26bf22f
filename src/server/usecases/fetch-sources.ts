// Fetching package repositories from GitLab and recomputing what that may change (src/gitlab/README.md, GitLab mode:
// source tracking): bounded concurrency in the fetcher, then one refresh that recomputes only affected namespaces.
import { parseOriginChangeset } from "../../core/names";
import { listNamespaces } from "../../db/namespaces";
import { type FetchResult, projectFullPath, type RepositoryTarget } from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";

export async function fetchSources(
  deps: ServerDeps,
  gitlab: GitlabMode,
  targets: RepositoryTarget[],
  why: string,
): Promise<{ ok: number; failed: FetchResult[] }> {
  if (targets.length === 0) return { ok: 0, failed: [] };
  const results = await gitlab.fetcher.fetchAll(targets);
  const failed = results.filter((r) => r.outcome === "failed");
  for (const f of failed)
    deps.log.warn("fetching a source repository failed", { pkgbase: f.pkgbase, why, error: f.error });
  const ok = results.length - failed.length;
  if (ok > 0) {
    const cloned = results.filter((r) => r.outcome === "cloned").map((r) => r.pkgbase);
    deps.log.info("source repositories fetched", {
      why,
      repositories: ok,
      ...(cloned.length ? { cloned: cloned.slice(0, 20) } : {}),
      sample: results.slice(0, 10).map((r) => r.pkgbase),
    });
    await deps.requestRecompute();
  }
  return { ok, failed };
}

/** The repositories of every active namespace's origin changesets. */
export function originTargets(deps: ServerDeps, gitlab: GitlabMode): RepositoryTarget[] {
  const pkgbases = new Set<string>();
  for (const ns of listNamespaces(deps.db, { all: false })) {
    for (const o of ns.originChangesets) pkgbases.add(parseOriginChangeset(o).pkgbase);
  }
  return [...pkgbases].sort().map((pkgbase) => ({ pkgbase, fullPath: projectFullPath(gitlab.config.group, pkgbase) }));
}
