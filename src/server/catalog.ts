// The server's view of the source repositories: the universe at `main` with a planner over it, plus
// the origin refs read so far, so a moved origin branch is noticed by the same cheap refresh.
import { join } from "node:path";
import type { ServerConfig } from "../config/server";
import { createPlanner, type Planner } from "../core/graph";
import type { SourceEntry } from "../core/types";
import { type Logger, messageOf } from "../lib/log";
import { yieldToRequests } from "../lib/yield";
import {
  loadUniverse,
  openSrcinfoCache,
  readSourceAt,
  reloadChanged,
  SRCINFO_CACHE_FILE,
  type Universe,
} from "../sources";
import type { SourceCatalog } from "./deps";
import { planIteration } from "./plan-iteration";
import { PlanThread, PlanThreadUnavailable } from "./plan-thread";
import { ORIGINS_PER_SLICE } from "./usecases/create-namespace";
import { planOrigins as planOnMainThread } from "./usecases/plan-origins";

/** `sourceUrl`: where builds fetch a pkgbase's sources (serve.ts decides, from the settings). */
export async function createCatalog(
  config: ServerConfig,
  log: Logger,
  sourceUrl: (pkgbase: string) => string,
): Promise<SourceCatalog & { close(): void }> {
  const cache = openCache(join(config.dataDir, SRCINFO_CACHE_FILE), log);
  let lastReport = 0;
  let universe: Universe = await loadUniverse(config.reposDir, {
    cache,
    onProgress: (p) => {
      if (performance.now() - lastReport < 2000) return;
      lastReport = performance.now();
      log.info("loading source repositories", { phase: p.phase, done: p.done, total: p.total });
    },
  });
  log.info("source repositories loaded", { ...universe.stats, repos_dir: config.reposDir });
  for (const s of universe.skipped.slice(0, 20))
    log.warn("source repository skipped", { pkgbase: s.pkgbase, reason: s.reason });
  let planner: Planner = createPlanner(universe.entries);
  const planThread = new PlanThread(config.reposDir, join(config.dataDir, SRCINFO_CACHE_FILE));
  /**
   * "pkgbase\0ref" → what reading it last gave, for every origin read: its commit, or why it could not be
   * read. A ref check reports the pkgbase when that changes, so a deleted branch or a broken .SRCINFO is
   * noticed, and so is its fix.
   */
  const originStates = new Map<string, string>();

  const readAt = (pkgbase: string, ref: string): SourceEntry => {
    const key = `${pkgbase}\0${ref}`;
    try {
      const entry = readSourceAt(config.reposDir, pkgbase, ref, { cache });
      originStates.set(key, entry.commit);
      return entry;
    } catch (error) {
      originStates.set(key, `unreadable: ${messageOf(error)}`);
      throw error;
    }
  };

  const catalog: SourceCatalog & { close(): void } = {
    planner: () => planner,
    planJson: (request) =>
      planThread.plan({ ...request, defaultArch: config.defaultArch }).catch((error) => {
        if (!(error instanceof PlanThreadUnavailable)) throw error;
        log.warn("the planning thread is unavailable: planning on the main thread", { error: error.message });
        return JSON.stringify(planOnMainThread(catalog, request, config.defaultArch));
      }),
    planIteration: async (request) => {
      try {
        const planned = await planThread.iteration(request);
        // What the thread read of the origins counts as read here: the ref check compares with it.
        for (const o of planned.origins) originStates.set(`${o.pkgbase}\0${o.ref}`, o.commit);
        return planned;
      } catch (error) {
        if (!(error instanceof PlanThreadUnavailable)) throw error;
        log.warn("the planning thread is unavailable: planning on the main thread", { error: error.message });
        return planIteration({ planner, readAt, entry: (pkgbase) => universe.entries.get(pkgbase) }, request);
      }
    },
    entry: (pkgbase) => universe.entries.get(pkgbase),
    entries: () => universe.entries.values(),
    readAt,
    async refresh() {
      const { universe: next, changes } = await reloadChanged(universe, config.reposDir, { cache });
      const changed = new Set([...changes.added, ...changes.removed, ...changes.moved]);
      if (changed.size > 0) {
        universe = next;
        planner = createPlanner(universe.entries);
        planThread.refresh();
      }
      let read = 0;
      for (const [key, before] of [...originStates]) {
        // Hundreds of origins take a while to read: let requests in between.
        if (++read % ORIGINS_PER_SLICE === 0) await yieldToRequests();
        const [pkgbase, ref] = key.split("\0") as [string, string];
        try {
          readAt(pkgbase, ref);
        } catch {
          // Recorded by readAt; the namespace's recompute shows it as the namespace's problem.
        }
        if (originStates.get(key) !== before) changed.add(pkgbase);
      }
      return { changed: [...changed].sort() };
    },
    sourceUrl,
    stats: () => ({ pkgbases: universe.entries.size, skipped: universe.skipped.length }),
    close: () => {
      planThread.close();
      cache.close();
    },
  };
  return catalog;
}

/** The .SRCINFO cache is derived: on a full disk the server starts with one in memory instead. */
function openCache(path: string, log: Logger) {
  try {
    return openSrcinfoCache(path);
  } catch (error) {
    if (!/disk I\/O error|disk is full/i.test(String(error))) throw error;
    log.warn("disk full at start: the .SRCINFO cache is kept in memory until the next restart", { path });
    return openSrcinfoCache(":memory:");
  }
}
