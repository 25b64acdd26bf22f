// The server's view of the source repositories: the universe at `main` with a planner over it, plus
// the origin refs read so far, so a moved origin branch is noticed by the same cheap refresh.
import { join } from "node:path";
import type { ServerConfig } from "../config/server";
import { createPlanner, type Planner } from "../core/graph";
import type { SourceEntry } from "../core/types";
import type { Logger } from "../lib/log";
import { pathInside } from "../lib/paths";
import {
  loadUniverse,
  openSrcinfoCache,
  readSourceAt,
  reloadChanged,
  SRCINFO_CACHE_FILE,
  type Universe,
} from "../sources";
import type { SourceCatalog } from "./deps";

export async function createCatalog(config: ServerConfig, log: Logger): Promise<SourceCatalog & { close(): void }> {
  const cache = openSrcinfoCache(join(config.dataDir, SRCINFO_CACHE_FILE));
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
  /** "pkgbase\0ref" → commit, for every origin read. */
  const originCommits = new Map<string, string>();

  const readAt = (pkgbase: string, ref: string): SourceEntry => {
    const entry = readSourceAt(config.reposDir, pkgbase, ref, { cache });
    originCommits.set(`${pkgbase}\0${ref}`, entry.commit);
    return entry;
  };

  return {
    planner: () => planner,
    entry: (pkgbase) => universe.entries.get(pkgbase),
    readAt,
    async refresh() {
      const { universe: next, changes } = await reloadChanged(universe, config.reposDir, { cache });
      const changed = new Set([...changes.added, ...changes.removed, ...changes.moved]);
      if (changed.size > 0) {
        universe = next;
        planner = createPlanner(universe.entries);
      }
      for (const [key, commit] of originCommits) {
        const [pkgbase, ref] = key.split("\0") as [string, string];
        try {
          if (readAt(pkgbase, ref).commit !== commit) changed.add(pkgbase);
        } catch {
          // The ref vanished: the namespace's recompute reports it.
          originCommits.delete(key);
          changed.add(pkgbase);
        }
      }
      return { changed: [...changed].sort() };
    },
    sourceUrl: (pkgbase) =>
      config.sourceUrlTemplate
        ? config.sourceUrlTemplate.replaceAll("{pkgbase}", pkgbase)
        : pathInside(config.reposDir, pkgbase),
    stats: () => ({ pkgbases: universe.entries.size, skipped: universe.skipped.length }),
    close: () => cache.close(),
  };
}
