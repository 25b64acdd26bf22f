// An online, consistent copy of the database: VACUUM INTO reads one snapshot (a read transaction, which
// in WAL mode never blocks the server's writers nor is blocked by them) and writes a compact copy.
import { Database } from "bun:sqlite";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Invalid } from "../core/errors";

export interface BackupResult {
  file: string;
  bytes: number;
  namespaces: number;
  iterations: number;
  builds: number;
  integrity: string;
}

export function backupDatabase(source: string, target: string): BackupResult {
  if (!existsSync(source)) throw new Invalid(`there is no database at ${source} (set DATABASE_URL or DATA_DIR)`);
  if (existsSync(target)) throw new Invalid(`${target} exists already: give the backup a new name`);
  if (!existsSync(dirname(target))) throw new Invalid(`the directory ${dirname(target)} does not exist`);
  // Written beside the target and renamed: a backup interrupted half-way never looks like a whole one.
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const db = new Database(source, { strict: true });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    db.query("VACUUM INTO ?").run(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  const copy = new Database(partial, { readonly: true, strict: true });
  let result: Omit<BackupResult, "file" | "bytes">;
  try {
    const count = (table: string) => copy.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
    const integrity = copy.query<{ quick_check: string }, []>("PRAGMA quick_check").get()?.quick_check ?? "?";
    result = { namespaces: count("namespaces"), iterations: count("iterations"), builds: count("builds"), integrity };
  } finally {
    copy.close();
  }
  if (result.integrity !== "ok") {
    rmSync(partial, { force: true });
    throw new Error(`the copy failed its integrity check: ${result.integrity}`);
  }
  renameSync(partial, target);
  return { file: target, bytes: statSync(target).size, ...result };
}
