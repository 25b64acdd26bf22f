// Build logs were rows of a build_logs table before they moved to files (server/log-store.ts). A server
// started on an older database moves what is left there into files once and empties the table; the
// migration that drops the table waits until then (db/migrations.ts).
import { legacyLogRows } from "./migrations";
import type { Db } from "./open";

/** Hand every stored chunk to `append` in log order, one build at a time, then delete its rows. */
export function drainLegacyLogs(db: Db, append: (buildId: number, text: string) => void): number {
  const sqlite = db.$client;
  if (!legacyLogRows(sqlite)) return 0;
  const builds = sqlite.query<{ buildId: number }, []>("SELECT DISTINCT build_id AS buildId FROM build_logs").all();
  const chunks = sqlite.query<{ text: string }, [number]>(
    "SELECT text FROM build_logs WHERE build_id = ? ORDER BY offset",
  );
  const remove = sqlite.query<unknown, [number]>("DELETE FROM build_logs WHERE build_id = ?");
  for (const { buildId } of builds) {
    for (const r of chunks.all(buildId)) append(buildId, r.text);
    remove.run(buildId);
  }
  return builds.length;
}
