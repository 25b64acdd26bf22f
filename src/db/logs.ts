// Build logs: appended chunks with byte offsets, so readers can follow from where they stopped.
import { and, asc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "./open";
import { buildLogs } from "./schema";

const encoder = new TextEncoder();

export function logLength(db: Db, buildId: number): number {
  const row = db
    .select({ end: sql<number>`coalesce(max(${buildLogs.offset} + length(CAST(${buildLogs.text} AS BLOB))), 0)` })
    .from(buildLogs)
    .where(eq(buildLogs.buildId, buildId))
    .get();
  return row?.end ?? 0;
}

export function appendLog(db: Db, buildId: number, attempt: number, text: string): number {
  const offset = logLength(db, buildId);
  db.insert(buildLogs).values({ buildId, attempt, offset, text }).run();
  return offset + encoder.encode(text).byteLength;
}

/** The log from byte `offset` on (offsets fall on chunk boundaries the reader was given before). */
export function readLog(db: Db, buildId: number, offset: number): { text: string; end: number } {
  const rows = db
    .select({ offset: buildLogs.offset, text: buildLogs.text })
    .from(buildLogs)
    .where(
      and(
        eq(buildLogs.buildId, buildId),
        gte(sql`${buildLogs.offset} + length(CAST(${buildLogs.text} AS BLOB))`, offset + 1),
      ),
    )
    .orderBy(asc(buildLogs.offset))
    .all();
  let text = "";
  let end = offset;
  for (const r of rows) {
    const bytes = encoder.encode(r.text);
    const skip = Math.max(0, offset - r.offset);
    text += skip === 0 ? r.text : new TextDecoder().decode(bytes.subarray(skip));
    end = r.offset + bytes.byteLength;
  }
  return { text, end };
}
