// Keeping REPOS_DIR in step with the packages group: a whole-group sync (`buildbtw repos sync`, and the
// server's first sweep) and the memory of when the last complete one started.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { GitlabClient, GroupProject } from "./client";
import { pkgbaseOfProject } from "./project-path";
import type { FetchResult, RepositoryFetcher, RepositoryTarget } from "./repositories";

/**
 * How far back of the last sync a project's activity still counts as new. GitLab bumps last_activity_at
 * at most once an hour (src/gitlab/README.md, GraphQL), so a push up to an hour after a project's last bump leaves it
 * unchanged; five more minutes cover clock skew and a sweep that was running when the push landed.
 */
export const ACTIVITY_MARGIN_MS = 65 * 60_000;

const SYNC_STATE_FILE = ".buildbtw-sync.json";

const SyncState = z.object({
  group: z.string(),
  /** Start of the last sync or sweep, ISO time. */
  last_sync: z.string(),
  /** Repositories that sync or sweep failed to fetch: the next one fetches them whatever their activity. */
  retry: z.array(z.object({ pkgbase: z.string(), fullPath: z.string() })).default([]),
});
export type SyncState = z.output<typeof SyncState>;

/** The state of REPOS_DIR for `group`, or null (never synced, another group, unreadable). */
export function loadSyncState(reposDir: string, group: string): SyncState | null {
  try {
    const state = SyncState.parse(JSON.parse(readFileSync(join(reposDir, SYNC_STATE_FILE), "utf8")));
    return state.group === group ? state : null;
  } catch {
    return null;
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. */
export function saveSyncState(reposDir: string, state: SyncState): void {
  mkdirSync(reposDir, { recursive: true });
  const file = join(reposDir, SYNC_STATE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export interface SkippedProject {
  project: string;
  reason: string;
}

/** Which projects are package repositories we can clone under their pkgbase, and which are not. */
export function targetsOf(projects: GroupProject[]): { targets: RepositoryTarget[]; skipped: SkippedProject[] } {
  const targets: RepositoryTarget[] = [];
  const skipped: SkippedProject[] = [];
  for (const p of projects) {
    const id = pkgbaseOfProject(p);
    if (id.ok) targets.push({ pkgbase: id.pkgbase, fullPath: p.fullPath, defaultBranch: p.defaultBranch });
    else skipped.push({ project: p.fullPath, reason: id.reason });
  }
  return { targets, skipped };
}

export interface GroupSyncProgress {
  done: number;
  total: number;
  last: FetchResult;
}

export interface GroupSyncResult {
  group: string;
  started_at: string;
  projects: number;
  cloned: string[];
  fetched: string[];
  /** Present and quiet since the last sync (less the margin): not fetched. */
  unchanged: number;
  failed: { pkgbase: string; reason: string }[];
  skipped: SkippedProject[];

  ms: number;
}

/**
 * Clone every project of the group that is missing and fetch those active since the last sync (all of
 * them with `all`, or when there was none), plus those the last one failed to fetch. Resumable: clones
 * already done are not repeated, and what failed (or was interrupted) is remembered and done next time.
 */
export async function syncGroup(
  client: GitlabClient,
  fetcher: RepositoryFetcher,
  reposDir: string,
  options: { all?: boolean; onProgress?: (p: GroupSyncProgress) => void } = {},
): Promise<GroupSyncResult> {
  const started = new Date();
  const state = loadSyncState(reposDir, client.group);
  const projects = await client.listGroupProjects();
  const { targets, skipped } = targetsOf(projects);
  const activity = new Map(projects.map((p) => [p.fullPath, Date.parse(p.lastActivityAt)]));
  const threshold = state && !options.all ? Date.parse(state.last_sync) - ACTIVITY_MARGIN_MS : null;
  const retry = new Set(state?.retry.map((r) => r.pkgbase));
  const chosen = targets.filter(
    (t) =>
      threshold === null ||
      retry.has(t.pkgbase) ||
      !existsSync(join(reposDir, t.pkgbase, ".git")) ||
      (activity.get(t.fullPath) ?? 0) >= threshold,
  );
  let done = 0;
  const results = await fetcher.fetchAll(chosen, (last) => {
    done++;
    options.onProgress?.({ done, total: chosen.length, last });
  });
  const failed = results
    .filter((r) => r.outcome === "failed")
    .map((r) => ({ pkgbase: r.pkgbase, reason: r.error ?? "failed" }));
  const failedSet = new Set(failed.map((f) => f.pkgbase));
  saveSyncState(reposDir, {
    group: client.group,
    last_sync: started.toISOString(),
    retry: chosen.filter((t) => failedSet.has(t.pkgbase)).map((t) => ({ pkgbase: t.pkgbase, fullPath: t.fullPath })),
  });
  return {
    group: client.group,
    started_at: started.toISOString(),
    projects: projects.length,
    cloned: results.filter((r) => r.outcome === "cloned").map((r) => r.pkgbase),
    fetched: results.filter((r) => r.outcome === "fetched").map((r) => r.pkgbase),
    unchanged: targets.length - chosen.length,
    failed,
    skipped,
    ms: Date.now() - started.getTime(),
  };
}
