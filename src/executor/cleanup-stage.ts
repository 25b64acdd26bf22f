// `buildbtw executor cleanup` (src/gitlab/README.md, Runner: the custom executor): remove what prepare and run left for
// this job. The runner calls it after every failed preparation attempt and at the end, possibly several times per job,
// after a cancel or a SIGKILL, and even when config itself failed; so it needs nothing but the job id and never fails:
// "nothing to clean" is success. It also sweeps what jobs of a runner that died never cleaned.
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Env } from "../config/env";
import type { ExecutorPaths } from "../config/executor";
import { BuildFailure, messageOf } from "./failures";
import { buildsDir, jobDir, jobIdOf, jobSlot, jobsRoot } from "./job";

/** Leftovers of jobs older than this are removed (longer than any job can run). */
export const LEFTOVER_AGE_MS = 72 * 3600 * 1000;

export interface CleanupReport {
  removed: string[];
  problems: string[];
}

/** `paths`: the settings cleanup needs, or why they could not be loaded (then there is nothing to clean). */
export async function cleanupStage(
  paths: ExecutorPaths | { problem: string },
  env: Env,
  now = Date.now(),
): Promise<CleanupReport> {
  const report: CleanupReport = { removed: [], problems: [] };
  if ("problem" in paths) {
    report.problems.push(paths.problem);
    return report;
  }
  const remove = async (dir: string) => {
    try {
      if (!(await exists(dir))) return;
      await rm(dir, { recursive: true, force: true });
      report.removed.push(dir);
    } catch (error) {
      report.problems.push(`could not remove ${dir}: ${messageOf(error)}`);
    }
  };

  const jobId = jobIdOf(env);
  if (jobId !== undefined) await remove(jobDir(paths, jobId));
  try {
    await remove(buildsDir(paths, jobSlot(env)));
  } catch (error) {
    // Without a valid slot there is no checkout of this job to find; a bad variable is only worth a note.
    if (!(error instanceof BuildFailure)) throw error;
  }

  for (const dir of await oldEntries(jobsRoot(paths), now)) await remove(dir);
  for (const slot of await oldEntries(join(paths.dir, "builds"), Number.POSITIVE_INFINITY)) {
    for (const dir of await oldEntries(slot, now)) await remove(dir);
  }
  return report;
}

/** Directories directly inside `root` last changed before `now - LEFTOVER_AGE_MS` (all of them for `now = ∞`). */
async function oldEntries(root: string, now: number): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const old: string[] = [];
  for (const name of names) {
    const path = join(root, name);
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory() && info.mtimeMs < now - LEFTOVER_AGE_MS) old.push(path);
  }
  return old;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
