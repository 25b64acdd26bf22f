// What the metrics gauges read at scrape time.
import type { Db } from "./open";

/** Builds of every namespace's latest iteration, by status and architecture. */
export function latestBuildCounts(db: Db): { status: string; arch: string; n: number }[] {
  return db.$client
    .query<{ status: string; arch: string; n: number }, []>(
      `SELECT status, arch, count(*) AS n FROM builds
       WHERE iteration_id IN (SELECT max(id) FROM iterations WHERE complete GROUP BY namespace_id)
       GROUP BY status, arch`,
    )
    .all();
}

/** Builds holding a lease: busy worker slots. */
export function leasedBuildCount(db: Db): number {
  return (
    db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM builds WHERE lease_id IS NOT NULL").get()?.n ?? 0
  );
}
