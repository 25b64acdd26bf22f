// Build logs were rows of this table before they moved to files (server/log-store.ts). A server started on
// an older database moves what is left here into files once, then empties the table.
import { asc, eq } from "drizzle-orm";
import type { Db } from "./open";
import { buildLogs } from "./schema";

/** Hand every stored chunk to `append` in log order, one build at a time, then delete the rows. */
export function drainLegacyLogs(db: Db, append: (buildId: number, text: string) => void): number {
  const builds = db.selectDistinct({ buildId: buildLogs.buildId }).from(buildLogs).all();
  for (const { buildId } of builds) {
    const rows = db
      .select({ text: buildLogs.text })
      .from(buildLogs)
      .where(eq(buildLogs.buildId, buildId))
      .orderBy(asc(buildLogs.offset))
      .all();
    for (const r of rows) append(buildId, r.text);
    db.delete(buildLogs).where(eq(buildLogs.buildId, buildId)).run();
  }
  return builds.length;
}
