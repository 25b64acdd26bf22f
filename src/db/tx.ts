import type { Db } from "./open";

/** Run `fn` as one SQLite transaction (immediate: writers queue instead of failing mid-way). */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.$client.transaction(fn).immediate();
}
