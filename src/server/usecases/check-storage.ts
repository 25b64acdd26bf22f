// `buildbtw check [--repair]`: compare what the database records (artifacts of iterations not pruned)
// with the package files and repository databases under DATA_DIR/repos. Finds files that are missing or
// have the wrong size, files and directories no record owns (orphans), and repository databases that list
// something other than the records. Repair rewrites those databases from the records and removes
// orphans; a missing package cannot be recreated here (its build must run again), which it says.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoName } from "../../api/routes";
import { type ArtifactRecord, listArtifacts } from "../../db/artifacts";
import { listBuildsByStatus } from "../../db/builds";
import { listIterationSummaries } from "../../db/iterations";
import { listNamespaces } from "../../db/namespaces";
import type { Db } from "../../db/open";
import { messageOf } from "../../lib/log";
import { pathInside } from "../../lib/paths";
import { RepoIndex, readRepoListing, repoDatabaseFiles, writeRepoDatabase } from "../../pacman";

export type ProblemKind = "missing" | "damaged" | "orphan" | "database";

export interface Problem {
  kind: ProblemKind;
  /** Relative to DATA_DIR. */
  path: string;
  detail: string;
  /** What --repair did about it; absent when nothing was done (not asked, or not repairable). */
  repaired?: string;
}

export interface CheckReport {
  repair: boolean;
  checked: { iterations: number; repositories: number; files: number };
  problems: Problem[];
  /** Problems left after this run (all of them without --repair). */
  unresolved: number;
}

/** Temporary files younger than this may belong to a write in progress: not orphans yet. */
const TEMP_GRACE_MS = 10 * 60_000;
/** The server rewrites a .files database a moment after its .db (at most once a second): not stale yet. */
const FILES_LAG_MS = 10_000;

export async function checkStorage(deps: { db: Db; dataDir: string }, opts: { repair: boolean }): Promise<CheckReport> {
  const root = pathInside(deps.dataDir, "repos");
  const rel = (p: string) => relative(deps.dataDir, p);
  const problems: Problem[] = [];
  const checked = { iterations: 0, repositories: 0, files: 0 };
  const namespaces = listNamespaces(deps.db, { all: true });
  const iterations = listIterationSummaries(
    deps.db,
    namespaces.map((n) => n.id),
  );
  // Uploads land as a file first and a record second: never call files of a running build orphans.
  const running = new Set(listBuildsByStatus(deps.db, ["scheduled", "building"]).map((b) => b.iterationId));
  // Every architecture of the iteration's graph has a repository (empty until something is built), and any
  // architecture with packages.
  const archesOf = (iterationId: number) =>
    deps.db.$client
      .query<{ arch: string }, [number, number]>(
        `SELECT key AS arch FROM iterations, json_each(iterations.graph) WHERE iterations.id = ?
         UNION SELECT DISTINCT arch FROM artifacts WHERE iteration_id = ?`,
      )
      .all(iterationId, iterationId)
      .map((r) => r.arch);

  /** Known directories, relative to DATA_DIR: anything else under repos/ is an orphan. */
  const known = new Set<string>();
  for (const ns of namespaces) {
    known.add(rel(join(root, ns.name)));
    for (const it of iterations.filter((i) => i.namespaceId === ns.id && i.prunedAt === null)) {
      checked.iterations++;
      known.add(rel(join(root, ns.name, String(it.id))));
      for (const arch of archesOf(it.id)) {
        const dir = join(root, ns.name, String(it.id), arch);
        known.add(rel(dir));
        const artifacts = listArtifacts(deps.db, it.id, arch);
        checked.repositories++;
        checked.files += artifacts.length;
        await checkRepository(dir, ns.name, artifacts, running.has(it.id));
      }
    }
  }
  if (existsSync(root)) sweepUnknown(root, 0);

  const unresolved = problems.filter((p) => !p.repaired).length;
  return { repair: opts.repair, checked, problems, unresolved };

  async function checkRepository(dir: string, namespace: string, artifacts: ArtifactRecord[], busy: boolean) {
    const names = new Set(artifacts.map((a) => a.fileName));
    const dbFiles = repoDatabaseFiles(repoName(namespace));
    for (const a of artifacts) {
      const path = join(dir, a.fileName);
      if (!existsSync(path)) {
        problems.push({
          kind: "missing",
          path: rel(path),
          detail: `recorded for build ${a.buildId} but not on disk: run that build again (retry) to restore it`,
        });
      } else if (statSync(path).size !== a.size) {
        problems.push({
          kind: "damaged",
          path: rel(path),
          detail: `${statSync(path).size} bytes on disk, ${a.size} recorded for build ${a.buildId}: run that build again (retry)`,
        });
      }
    }
    if (existsSync(dir) && !busy) {
      for (const name of readdirSync(dir)) {
        if (names.has(name) || dbFiles.includes(name)) continue;
        const path = join(dir, name);
        if (name.startsWith(".") && Date.now() - lstatSync(path).mtimeMs < TEMP_GRACE_MS) continue;
        orphan(path, "no record owns this file");
      }
    }
    // The database must list exactly what the records say: the newest package per pkgname.
    const index = new RepoIndex(repoName(namespace));
    for (const a of artifacts) index.put(a.entry);
    const expected = index.listing();
    const key = (l: { filename: string; sha256: string }[]) =>
      l
        .map((x) => `${x.filename} ${x.sha256}`)
        .sort()
        .join("\n");
    let wrong = 0;
    const dbPath = join(dir, dbFiles[0]!);
    const filesMayLag = existsSync(dbPath) && Date.now() - statSync(dbPath).mtimeMs < FILES_LAG_MS;
    for (const file of dbFiles) {
      if (filesMayLag && file.includes(".files")) continue;
      const path = join(dir, file);
      let detail: string | null = null;
      if (!existsSync(path)) detail = "missing";
      else {
        try {
          const listed = readRepoListing(readFileSync(path));
          if (key(listed) !== key(expected)) {
            const want = new Set(expected.map((x) => `${x.filename} ${x.sha256}`));
            const have = new Set(listed.map((x) => `${x.filename} ${x.sha256}`));
            const extra = [...have].filter((x) => !want.has(x)).map((x) => x.split(" ")[0]);
            const lacking = [...want].filter((x) => !have.has(x)).map((x) => x.split(" ")[0]);
            detail = [
              extra.length ? `lists ${extra.join(", ")} that the records do not (or with another checksum)` : "",
              lacking.length ? `does not list ${lacking.join(", ")}` : "",
            ]
              .filter(Boolean)
              .join("; ");
          }
        } catch (error) {
          detail = `unreadable: ${messageOf(error)}`;
        }
      }
      if (!detail) continue;
      wrong++;
      problems.push({ kind: "database", path: rel(path), detail });
    }
    if (wrong > 0 && opts.repair) {
      await writeRepoDatabase(
        dir,
        repoName(namespace),
        artifacts.map((a) => a.entry),
      );
      for (const p of problems.filter((x) => x.kind === "database" && x.path.startsWith(`${rel(dir)}/`))) {
        p.repaired = `rewrote the repository database from ${artifacts.length} record(s)`;
      }
    }
  }

  /** Walk repos/<namespace>/<iteration>/<arch>: every level not known is an orphan, removed whole. */
  function sweepUnknown(dir: string, depth: number): void {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const isDir = lstatSync(path).isDirectory();
      if (!known.has(rel(path))) {
        orphan(
          path,
          isDir ? "no namespace, iteration or architecture with records (or pruned)" : "no record owns this file",
        );
        continue;
      }
      if (isDir && depth < 2) sweepUnknown(path, depth + 1);
    }
  }

  function orphan(path: string, why: string): void {
    const bytes = sizeOf(path);
    const problem: Problem = { kind: "orphan", path: rel(path), detail: `${why} (${bytes} bytes)` };
    if (opts.repair) {
      rmSync(path, { recursive: true, force: true });
      problem.repaired = `removed ${bytes} bytes`;
    }
    problems.push(problem);
  }
}

function sizeOf(path: string): number {
  const s = lstatSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, n) => sum + sizeOf(join(path, n)), 0);
}

export function describeCheck(r: CheckReport): string[] {
  const lines = r.problems.map((p) => `${p.kind}: ${p.path}: ${p.detail}${p.repaired ? ` → ${p.repaired}` : ""}`);
  const c = r.checked;
  const summary = `checked ${c.iterations} iteration(s), ${c.repositories} repositories, ${c.files} package file(s): ${r.problems.length} problem(s)`;
  lines.push(r.repair ? `${summary}, ${r.problems.length - r.unresolved} repaired, ${r.unresolved} left` : summary);
  return lines;
}
