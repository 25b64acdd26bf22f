// The net under webhooks and origin polling (design.md §9a): projects of the group sorted by activity,
// read page by page back to the last sweep less a safety margin (GitLab bumps last_activity_at at most
// hourly and never updatedAt on pushes, contract §2.4), and each of them fetched. Without a previous
// sweep it syncs the whole group, like `buildbtw repos sync`. The sweep's start time is remembered only
// when every fetch succeeded, so nothing a failed fetch missed falls out of the window.
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
  const started = new Date();
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
  const targets: RepositoryTarget[] = [];
  for (const p of active) {
    const id = pkgbaseOfProject({ name: p.name, path: p.fullPath.split("/").pop() ?? "" });
    if (id.ok) targets.push({ pkgbase: id.pkgbase, fullPath: p.fullPath });
  }
  const { ok, failed } = await fetchSources(deps, gitlab, targets, "activity sweep");
  if (failed.length === 0) saveSyncState(reposDir, { group: gitlab.config.group, last_sync: started.toISOString() });
  return { kind: "activity", projects: active.length, fetched: ok, failed: failed.length };
}
