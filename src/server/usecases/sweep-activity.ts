// The net under webhooks and origin polling (src/gitlab/README.md, GitLab mode: source tracking): projects of the group
// sorted by activity, read page by page back to the last sweep less a safety margin (GitLab bumps last_activity_at at
// most hourly and never updatedAt on pushes, src/gitlab/README.md, GraphQL), and each of them fetched. Without a
// previous sweep it syncs the whole group, like `buildbtw repos sync`. Repositories a sweep failed to fetch are
// remembered and fetched by the next one whatever their activity, so nothing falls out of the window.
import {
  ACTIVITY_MARGIN_MS,
  loadSyncState,
  pkgbaseOfProject,
  type RepositoryTarget,
  saveSyncState,
  syncGroup,
} from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";
import { fetchSources } from "./fetch-sources";

export interface SweepResult {
  kind: "full" | "activity";
  projects: number;
  fetched: number;
  failed: number;
}

export async function sweepActivity(deps: ServerDeps, gitlab: GitlabMode): Promise<SweepResult> {
  const started = new Date(deps.now());
  const { reposDir } = deps.config;
  const state = loadSyncState(reposDir, gitlab.config.group);
  if (!state) {
    deps.log.info("syncing every repository of the group (no earlier sync)", { group: gitlab.config.group });
    const r = await syncGroup(gitlab.client, gitlab.fetcher, reposDir);
    for (const s of r.skipped.slice(0, 20)) deps.log.warn("project skipped", { project: s.project, reason: s.reason });
    deps.log.info("group synced", {
      projects: r.projects,
      cloned: r.cloned.length,
      fetched: r.fetched.length,
      failed: r.failed.length,
      ms: r.ms,
    });
    if (r.cloned.length + r.fetched.length > 0) await deps.requestRecompute();
    return { kind: "full", projects: r.projects, fetched: r.cloned.length + r.fetched.length, failed: r.failed.length };
  }
  const since = new Date(Date.parse(state.last_sync) - ACTIVITY_MARGIN_MS);
  const active = await gitlab.client.activeProjectsSince(since);
  const targets = new Map<string, RepositoryTarget>(state.retry.map((r) => [r.pkgbase, r]));
  for (const p of active) {
    const id = pkgbaseOfProject({ name: p.name, path: p.fullPath.split("/").pop() ?? "" });
    if (id.ok) targets.set(id.pkgbase, { pkgbase: id.pkgbase, fullPath: p.fullPath });
  }
  const { ok, failed } = await fetchSources(deps, gitlab, [...targets.values()], "activity sweep");
  // What failed is fetched by the next sweep whatever its activity; the window itself moves on.
  const failedSet = new Set(failed.map((f) => f.pkgbase));
  saveSyncState(reposDir, {
    group: gitlab.config.group,
    last_sync: started.toISOString(),
    retry: [...targets.values()]
      .filter((t) => failedSet.has(t.pkgbase))
      .map((t) => ({ pkgbase: t.pkgbase, fullPath: t.fullPath })),
  });
  return { kind: "activity", projects: active.length, fetched: ok, failed: failed.length };
}
