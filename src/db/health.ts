// What readiness asks the database: can it still write, and are all embedded migrations applied.
import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import { MIGRATIONS } from "./migrations";
import type { Db } from "./open";

/**
 * Whether the database still takes writes: the file, its WAL and its directory must be writable (a
 * file system remounted read-only or a file made immutable only shows at the next open), and one real
 * write must commit (a full disk, a lock held elsewhere or an I/O error shows there). Throws why not. The
 * write records `at` (ISO, the server's clock).
 */
export function probeWrite(db: Db, path: string, at: string): void {
  if (path !== ":memory:") {
    for (const p of [path, `${path}-wal`, dirname(path)]) {
      if (!existsSync(p)) continue;
      try {
        accessSync(p, constants.W_OK);
      } catch (error) {
        throw new Error(`${p} is not writable (${(error as { code?: string }).code ?? String(error)})`);
      }
    }
  }
  db.$client
    .transaction(() => {
      db.$client.run(
        "INSERT INTO health_probe (id, checked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at",
        [at],
      );
    })
    .immediate();
}

/** Migrations embedded in this binary and not applied, and applied ones this binary does not know. */
export function migrationStatus(db: Db): { applied: number; known: number; missing: string[]; unknown: string[] } {
  const applied = db.$client
    .query<{ name: string }, []>("SELECT name FROM buildbtw_migrations")
    .all()
    .map((r) => r.name);
  const known = MIGRATIONS.map((m) => m.name);
  return {
    applied: applied.length,
    known: known.length,
    missing: known.filter((n) => !applied.includes(n)),
    unknown: applied.filter((n) => !known.includes(n)),
  };
}
