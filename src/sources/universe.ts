// Every pkgbase of a repositories directory at one ref: the universe build graphs are computed over.
// A load is three passes: resolve every repository's ref (a few small file reads each, no process spawned),
// fetch every known commit from the cache in one query, then read and parse only what is new. One bad
// repository is skipped with a sentence saying why; it never stops the others.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { NotFound } from "../core/errors";
import { byName } from "../core/graph-order";
import { parsePkgbase } from "../core/names";
import type { CommitId, Pkgbase, SourceEntry } from "../core/types";
import { messageOf } from "../lib/log";
import { GitRepository, isDirectory } from "./git-repository";
import { entryFrom, readSrcinfoAt } from "./read-source";
import type { SrcinfoCache, SrcinfoResult } from "./srcinfo-cache";

export interface SkippedSource {
  pkgbase: string;
  /** One sentence; parse errors read `pkgbase/.SRCINFO:LINE: …`. */
  reason: string;
}

export interface UniverseStats {
  /** Pkgbases loaded (entries). */
  pkgbases: number;
  /** .SRCINFO files read and parsed by this load, successfully or not. */
  parsed: number;
  /** Commits answered by the cache, successfully parsed or not. */
  cached: number;
  /** Entries taken unchanged from the previous universe (reloadChanged). */
  reused: number;
  skipped: number;
  ms: number;
}

export interface Universe {
  ref: string;
  /** By pkgbase, in name order. */
  entries: Map<string, SourceEntry>;
  /** In name order. */
  skipped: SkippedSource[];
  stats: UniverseStats;
}

export interface LoadProgress {
  phase: "refs" | "srcinfo";
  done: number;
  total: number;
}

export interface LoadOptions {
  /** Without one, every .SRCINFO is parsed. */
  cache?: SrcinfoCache;
  /** Default `main`. */
  ref?: string;
  onProgress?: (progress: LoadProgress) => void;
  /** Entries whose commit has not moved are taken from here without a cache lookup. */
  previous?: Universe;
  signal?: AbortSignal;
}

const DEFAULT_REF = "main";
// Between batches the event loop runs: the server keeps answering while a universe loads.
const BATCH = 250;
// Cache writes go in transactions of this many rows: bounded memory, few commits.
const WRITE_BATCH = 2000;
const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

/** A repository whose ref resolved; `id` is what the ref names, an annotated tag not yet peeled. */
interface Located {
  pkgbase: Pkgbase;
  repo: GitRepository;
  id: string;
}

/** The pkgbase directory names under `reposDir`, sorted; plain files (and dangling links) are ignored. */
function listPkgbaseDirs(reposDir: string): string[] {
  if (!isDirectory(reposDir)) throw new NotFound(`the source repositories directory ${reposDir} does not exist`);
  return readdirSync(reposDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() || (d.isSymbolicLink() && isDirectory(join(reposDir, d.name))))
    .map((d) => d.name)
    .sort();
}

/** Pass 1: every subdirectory's ref, or why it is skipped. */
async function locateAll(
  reposDir: string,
  ref: string,
  options: Pick<LoadOptions, "onProgress" | "signal">,
  skipped: SkippedSource[],
): Promise<Located[]> {
  options.signal?.throwIfAborted();
  const names = listPkgbaseDirs(reposDir);
  const located: Located[] = [];
  for (let i = 0; i < names.length; i++) {
    if (i % BATCH === 0 && i > 0) {
      options.onProgress?.({ phase: "refs", done: i, total: names.length });
      await nextTurn();
      options.signal?.throwIfAborted();
    }
    const name = names[i]!;
    let repo: GitRepository | undefined;
    try {
      const pkgbase = parsePkgbase(name);
      repo = GitRepository.open(join(reposDir, pkgbase));
      located.push({ pkgbase, repo, id: repo.resolveRef(ref) });
    } catch (error) {
      // Resolving an abbreviated id may have opened a pack before failing.
      repo?.close();
      skipped.push({ pkgbase: name, reason: messageOf(error) });
    }
  }
  options.onProgress?.({ phase: "refs", done: names.length, total: names.length });
  return located;
}

/**
 * Loads every pkgbase under `reposDir` at `ref` (default main). Subdirectories that are not git
 * repositories, lack the ref, have no or a broken .SRCINFO, or have an invalid name are skipped and
 * counted, never fatal.
 */
export async function loadUniverse(reposDir: string, options: LoadOptions = {}): Promise<Universe> {
  const started = performance.now();
  const ref = options.ref ?? DEFAULT_REF;
  const skipped: SkippedSource[] = [];
  const located = await locateAll(reposDir, ref, options, skipped);
  const entries = new Map<string, SourceEntry>();
  const stats = { parsed: 0, cached: 0, reused: 0 };

  // Unmoved refs keep their previous entry; the rest are looked up in the cache all at once.
  const previous = options.previous?.ref === ref ? options.previous.entries : undefined;
  const pending: Located[] = [];
  for (const item of located) {
    const before = previous?.get(item.pkgbase);
    if (before !== undefined && before.commit === item.id) {
      entries.set(item.pkgbase, before);
      stats.reused++;
      item.repo.close();
    } else {
      pending.push(item);
    }
  }
  // Only commits are ever cached, so a hit on the ref's own id also proves it names a commit.
  const hits = options.cache?.getMany(pending.map((p) => p.id)) ?? new Map<string, SrcinfoResult>();

  let unsaved: [CommitId, SrcinfoResult][] = [];
  const save = () => {
    options.cache?.putMany(unsaved);
    unsaved = [];
  };
  for (let i = 0; i < pending.length; i++) {
    if (i % BATCH === 0 && i > 0) {
      options.onProgress?.({ phase: "srcinfo", done: i, total: pending.length });
      await nextTurn();
      options.signal?.throwIfAborted();
    }
    const { pkgbase, repo, id } = pending[i]!;
    try {
      let commit = id as CommitId;
      let result = hits.get(id);
      if (result === undefined) {
        commit = repo.peelToCommit(id, ref);
        result = commit === id ? undefined : options.cache?.getMany([commit]).get(commit);
      }
      if (result === undefined) {
        result = readSrcinfoAt(repo, commit);
        unsaved.push([commit, result]);
        if (unsaved.length >= WRITE_BATCH) save();
        stats.parsed++;
      } else {
        stats.cached++;
      }
      entries.set(pkgbase, entryFrom(pkgbase, ref, commit, result, repo.path));
    } catch (error) {
      skipped.push({ pkgbase, reason: messageOf(error) });
    } finally {
      repo.close();
    }
  }
  save();
  options.onProgress?.({ phase: "srcinfo", done: pending.length, total: pending.length });

  const sorted = new Map([...entries].sort(([a], [b]) => byName(a, b)));
  skipped.sort((a, b) => byName(a.pkgbase, b.pkgbase));
  return {
    ref,
    entries: sorted,
    skipped,
    stats: { pkgbases: sorted.size, ...stats, skipped: skipped.length, ms: Math.round(performance.now() - started) },
  };
}

/**
 * Where `ref` points in every repository, peeled to commits: the cheap check for moved refs. An id that
 * equals the previous universe's commit for that pkgbase is trusted without reading the object.
 */
export async function readRefs(
  reposDir: string,
  options: Pick<LoadOptions, "ref" | "previous" | "signal"> = {},
): Promise<{ commits: Map<string, CommitId>; skipped: SkippedSource[] }> {
  const ref = options.ref ?? DEFAULT_REF;
  const skipped: SkippedSource[] = [];
  const commits = new Map<string, CommitId>();
  const previous = options.previous?.ref === ref ? options.previous.entries : undefined;
  for (const { pkgbase, repo, id } of await locateAll(reposDir, ref, options, skipped)) {
    try {
      commits.set(pkgbase, previous?.get(pkgbase)?.commit === id ? (id as CommitId) : repo.peelToCommit(id, ref));
    } catch (error) {
      skipped.push({ pkgbase, reason: messageOf(error) });
    } finally {
      repo.close();
    }
  }
  return { commits, skipped };
}

export interface SourceChanges {
  /** Pkgbases with an entry now and none before. */
  added: string[];
  /** Pkgbases with an entry before and none now (deleted, or now skipped). */
  removed: string[];
  /** Pkgbases whose commit changed. */
  moved: string[];
}

/** What differs between two universes' entries, each list in name order. */
function diffUniverses(before: Universe, after: Universe): SourceChanges {
  const changes: SourceChanges = { added: [], removed: [], moved: [] };
  for (const [pkgbase, entry] of after.entries) {
    const old = before.entries.get(pkgbase);
    if (old === undefined) changes.added.push(pkgbase);
    else if (old.commit !== entry.commit) changes.moved.push(pkgbase);
  }
  for (const pkgbase of before.entries.keys()) if (!after.entries.has(pkgbase)) changes.removed.push(pkgbase);
  return changes;
}

/**
 * The universe again, reading only repositories whose ref moved (or that appeared) since `previous`,
 * and what changed. Costs little more than readRefs when nothing moved.
 */
export async function reloadChanged(
  previous: Universe,
  reposDir: string,
  options: Omit<LoadOptions, "previous" | "ref"> = {},
): Promise<{ universe: Universe; changes: SourceChanges }> {
  const universe = await loadUniverse(reposDir, { ...options, ref: previous.ref, previous });
  return { universe, changes: diffUniverses(previous, universe) };
}
