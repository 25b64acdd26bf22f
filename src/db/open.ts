// Opening the database: WAL, foreign keys, embedded migrations applied once each, in one transaction each.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { MIGRATIONS } from "./migrations";
import * as schema from "./schema";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

export function openDatabase(path: string, options: { onDiskFull?: () => void } = {}): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let sqlite = new Database(path, { create: true, strict: true });
  try {
    sqlite.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
    );
  } catch (error) {
    // WAL needs its shared-memory file, which a full disk cannot hold. In exclusive locking mode SQLite
    // keeps that index in memory instead, so a server can still start and serve reads (other processes,
    // like `token create`, must wait for its restart).
    if (!options.onDiskFull || !/disk I\/O error|disk is full/i.test(String(error))) throw error;
    sqlite.close();
    sqlite = new Database(path, { create: true, strict: true });
    sqlite.exec(
      "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    );
    options.onDiskFull();
  }
  migrate(sqlite);
  return drizzle({ client: sqlite, schema }) as Db;
}

/**
 * Apply the embedded migrations not applied yet, in order, each in one transaction. One whose `waitWhile`
 * holds stops there: the rest are applied by a later call, once the data it guards has moved.
 */
export function applyMigrations(db: Db): void {
  migrate(db.$client);
}

function migrate(sqlite: Database): void {
  sqlite.exec(
    "CREATE TABLE IF NOT EXISTS buildbtw_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
  );
  const applied = new Set(
    sqlite
      .query<{ name: string }, []>("SELECT name FROM buildbtw_migrations")
      .all()
      .map((r) => r.name),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.name)) continue;
    if (m.waitWhile?.(sqlite)) return;
    sqlite.transaction(() => {
      for (const statement of m.sql.split("--> statement-breakpoint")) {
        if (statement.trim()) sqlite.exec(statement);
      }
      sqlite.query("INSERT INTO buildbtw_migrations (name) VALUES (?)").run(m.name);
    })();
  }
}
