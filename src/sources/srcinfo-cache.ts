// Parsed .SRCINFO per commit, persisted in SQLite, so a repository whose ref has not moved is never parsed again.
// A commit id names its tree and so its .SRCINFO exactly: entries never go stale, only the parser's output
// format can change, and CACHE_FORMAT says which one the rows hold.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { assertNever } from "../core/errors";
import { RELATION_KEYS, type Srcinfo, type SrcinfoPackage } from "../core/types";

/** Bump whenever parseSrcinfo's output (or this encoding) changes: every cached row is then discarded. */
export const CACHE_FORMAT = 1;

/** The file name under DATA_DIR. */
export const SRCINFO_CACHE_FILE = "srcinfo-cache.sqlite";

/** What reading the .SRCINFO at one commit gave; failures are cached too, they are as permanent as successes. */
export type SrcinfoResult =
  | { kind: "parsed"; srcinfo: Srcinfo }
  | { kind: "missing" }
  | { kind: "invalid"; line: number; column: number; message: string };

export interface SrcinfoCache {
  /** The cached results for those of `commits` that have one, in one query. */
  getMany(commits: readonly string[]): Map<string, SrcinfoResult>;
  /** Stores results in one transaction; existing rows are replaced. */
  putMany(results: Iterable<readonly [commit: string, result: SrcinfoResult]>): void;
  close(): void;
}

/** Opens (creating when needed) the cache at `path`, or an in-memory one for ":memory:". */
export function openSrcinfoCache(path: string): SrcinfoCache {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db.transaction(() => {
    const { user_version } = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!;
    if (user_version !== CACHE_FORMAT) {
      db.exec("DROP TABLE IF EXISTS srcinfo");
      db.exec(`PRAGMA user_version = ${CACHE_FORMAT}`);
    }
    db.exec(
      "CREATE TABLE IF NOT EXISTS srcinfo (commit_id TEXT PRIMARY KEY NOT NULL, result TEXT NOT NULL) WITHOUT ROWID",
    );
  })();

  // One statement for any number of commits: the ids travel as one JSON array. The rows come back as one
  // JSON array text too, so thousands of results cost one JSON.parse instead of one per row.
  const select = db.query<{ rows: string | null }, [string]>(
    `SELECT '[' || group_concat(json_array(s.commit_id, json(s.result))) || ']' AS rows
       FROM json_each(?1) AS wanted JOIN srcinfo AS s ON s.commit_id = wanted.value`,
  );
  const insert = db.query<unknown, [string, string]>(
    "INSERT OR REPLACE INTO srcinfo (commit_id, result) VALUES (?1, ?2)",
  );
  const putAll = db.transaction((rows: [string, string][]) => {
    for (const [commit, text] of rows) insert.run(commit, text);
  });

  return {
    getMany(commits) {
      const found = new Map<string, SrcinfoResult>();
      if (commits.length === 0) return found;
      const text = select.get(JSON.stringify(commits))?.rows;
      if (text == null) return found;
      for (const [commit, packed] of JSON.parse(text) as [string, Packed][]) found.set(commit, unpack(packed));
      return found;
    },
    putMany(results) {
      const rows: [string, string][] = [];
      for (const [commit, result] of results) rows.push([commit, JSON.stringify(pack(result))]);
      if (rows.length > 0) putAll(rows);
    },
    close() {
      db.close();
    },
  };
}

// The stored form drops empty relation lists and empty per-arch maps: most packages have few relations,
// and the warm load reads every row of an Arch-sized universe.
type PackedSrcinfo = Omit<Srcinfo, "packages"> & { packages: Partial<SrcinfoPackage>[] };
type Packed = { m: true } | { e: [line: number, column: number, message: string] } | { s: PackedSrcinfo };

function pack(result: SrcinfoResult): Packed {
  switch (result.kind) {
    case "missing":
      return { m: true };
    case "invalid":
      return { e: [result.line, result.column, result.message] };
    case "parsed": {
      const packages = result.srcinfo.packages.map((p) => {
        const out: Partial<SrcinfoPackage> = { pkgname: p.pkgname, arch: p.arch };
        for (const key of RELATION_KEYS) if (p[key].length > 0) out[key] = p[key];
        if (Object.keys(p.archSpecific).length > 0) out.archSpecific = p.archSpecific;
        return out;
      });
      return { s: { ...result.srcinfo, packages } };
    }
    default:
      return assertNever(result, "srcinfo result");
  }
}

function unpack(packed: Packed): SrcinfoResult {
  if ("m" in packed) return { kind: "missing" };
  if ("e" in packed) return { kind: "invalid", line: packed.e[0], column: packed.e[1], message: packed.e[2] };
  // Rebuilt in the parser's key order, so cached and freshly parsed entries have the same shape.
  const packages = packed.s.packages.map((p) => {
    const full = { pkgname: p.pkgname, arch: p.arch } as SrcinfoPackage;
    for (const key of RELATION_KEYS) full[key] = p[key] ?? [];
    full.archSpecific = p.archSpecific ?? {};
    return full;
  });
  return { kind: "parsed", srcinfo: { ...packed.s, packages } };
}
