// Apply the retention policy (core/retention.ts) to disk and database: remove the repositories of the
// iterations it names, mark them pruned (the API says so), and drop build logs older than the log limit.
// Shared by the server's hourly sweep and `buildbtw gc`. Removing a repository unlinks its paths: a
// package file another iteration reuses (a hard link) stays on disk until its last link goes, and only
// bytes whose last link goes are counted as freed.
import { existsSync, lstatSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RetentionPolicy } from "../../config/operations";
import { decideRetention } from "../../core/retention";
import type { Db } from "../../db/open";
import { buildsFinishedBefore, markPruned, retentionState } from "../../db/retention";
import { pathInside } from "../../lib/paths";

export interface RetentionDeps {
  db: Db;
  dataDir: string;
  policy: RetentionPolicy;
  now: () => number;
}

export interface PrunedIteration {
  namespace: string;
  iteration: number;
  reason: string;
  dir: string;
  files: number;
  /** Bytes freed: files whose last link is in the removed repositories. */
  bytes: number;
  /** Files kept on disk because another iteration still links them. */
  shared: number;
}

export interface RetentionReport {
  dry_run: boolean;
  iterations: PrunedIteration[];
  logs: { builds: number; bytes: number; older_than_days: number };
  freed_bytes: number;
}

const DAY_MS = 86_400_000;

/** `DATA_DIR/repos/<namespace>/<iteration>`: the repository of every architecture of one iteration. */
const iterationDir = (dataDir: string, namespace: string, iterationId: number) =>
  pathInside(dataDir, "repos", namespace, String(iterationId));

export function applyRetention(deps: RetentionDeps, opts: { dryRun: boolean }): RetentionReport {
  const now = deps.now();
  const decisions = decideRetention(
    retentionState(deps.db),
    { keepIterations: deps.policy.iterations, finishedDays: deps.policy.finishedDays },
    now,
  );
  const dirs = decisions.map((d) => iterationDir(deps.dataDir, d.namespace, d.iterationId));
  const sizes = measure(dirs);
  const iterations = decisions.map((d, i) => ({
    namespace: d.namespace,
    iteration: d.iterationId,
    reason: d.reason,
    dir: dirs[i]!,
    ...sizes[i]!,
  }));
  const cutoff = new Date(now - deps.policy.logDays * DAY_MS).toISOString();
  // Logs are files under DATA_DIR/logs/<build> (log-store.ts). Rows an older server left in the database
  // become files at the next start (db/logs.ts), and are kept to the same limit from then on.
  const logsDir = join(deps.dataDir, "logs");
  const finished = buildsFinishedBefore(deps.db, cutoff);
  const fileLogs = (existsSync(logsDir) ? readdirSync(logsDir) : [])
    .filter((n) => /^[1-9][0-9]*$/.test(n) && finished.has(Number(n)))
    .map((n) => ({
      buildId: Number(n),
      bytes: readdirSync(join(logsDir, n)).reduce((sum, f) => sum + statSync(join(logsDir, n, f)).size, 0),
    }));
  const logs = fileLogs;
  const report: RetentionReport = {
    dry_run: opts.dryRun,
    iterations,
    logs: {
      builds: logs.length,
      bytes: logs.reduce((sum, l) => sum + l.bytes, 0),
      older_than_days: deps.policy.logDays,
    },
    freed_bytes: 0,
  };
  report.freed_bytes = iterations.reduce((sum, it) => sum + it.bytes, 0) + report.logs.bytes;
  if (opts.dryRun) return report;

  // Marked first: a crash between the two leaves files of a pruned iteration, which `check` finds as orphans,
  // never a kept iteration with files missing.
  markPruned(
    deps.db,
    decisions.map((d) => d.iterationId),
    new Date(now).toISOString(),
  );
  for (const it of iterations) {
    rmSync(it.dir, { recursive: true, force: true });
    removeIfEmpty(join(it.dir, ".."));
  }
  for (const l of fileLogs) rmSync(join(logsDir, String(l.buildId)), { recursive: true, force: true });
  return report;
}

/**
 * Files and freed bytes per directory: an inode is freed when all its links are inside the removed
 * directories, and is counted for the first directory that holds it.
 */
function measure(dirs: string[]): { files: number; bytes: number; shared: number }[] {
  const files = dirs.map((dir) => (existsSync(dir) ? walk(dir) : []));
  const linksInside = new Map<string, number>();
  for (const list of files) for (const f of list) linksInside.set(f.inode, (linksInside.get(f.inode) ?? 0) + 1);
  const counted = new Set<string>();
  return files.map((list) => {
    let bytes = 0;
    let shared = 0;
    for (const f of list) {
      if ((linksInside.get(f.inode) ?? 0) < f.nlink) {
        shared++;
        continue;
      }
      if (counted.has(f.inode)) continue;
      counted.add(f.inode);
      bytes += f.size;
    }
    return { files: list.length, bytes, shared };
  });
}

function walk(dir: string): { inode: string; nlink: number; size: number }[] {
  const out: { inode: string; nlink: number; size: number }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else {
      const s = lstatSync(path);
      out.push({ inode: `${s.dev}:${s.ino}`, nlink: s.nlink, size: s.size });
    }
  }
  return out;
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Gone already, or not empty after all (an upload arrived): either way nothing to do.
  }
}

/** One line per removed repository and a total, for the sweep's log and `gc`. */
export function describeRetention(r: RetentionReport): string[] {
  const verb = r.dry_run ? "would remove" : "removed";
  const lines = r.iterations.map(
    (it) =>
      `${verb} ${it.namespace} iteration ${it.iteration} (${it.reason}): ${it.files} file(s), ${formatBytes(it.bytes)}${it.shared ? `, ${it.shared} file(s) kept for other iterations` : ""}`,
  );
  if (r.logs.builds > 0)
    lines.push(
      `${verb} the logs of ${r.logs.builds} build(s) finished more than ${r.logs.older_than_days} day(s) ago: ${formatBytes(r.logs.bytes)}`,
    );
  lines.push(
    `${r.dry_run ? "would free" : "freed"} ${formatBytes(r.freed_bytes)} (${r.iterations.length} iteration(s), ${r.logs.builds} log(s))`,
  );
  return lines;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
