// The old build_logs table goes: logs live in files now. A database an older server left with log rows keeps
// them until `serve` has moved them into files, then the table is dropped; no log is lost on the way,
// whichever command opens that database first.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildSpec } from "../src/core/build-spec";
import { parseSrcinfo } from "../src/core/srcinfo";
import { MIGRATIONS } from "../src/db/migrations";
import { openDatabase } from "../src/db/open";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { startServer } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir("buildbtw-legacy-logs-");
});
afterAll(() => removeDir(tmp));

const tableExists = (db: Database, name: string) =>
  db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null;

/** A database as the last server that kept logs in rows left it: every migration before the drop, and log rows. */
function olderDatabase(path: string): { buildId: number; log: string } {
  const spec = buildSpec(parseSrcinfo(srcinfo({ pkgbase: "zlib" })), "x86_64");
  const old = new Database(path, { create: true });
  old.exec("CREATE TABLE buildbtw_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT 'x')");
  for (const m of MIGRATIONS.slice(
    0,
    MIGRATIONS.findIndex((m) => m.name.endsWith("_drop_build_logs")),
  )) {
    for (const statement of m.sql.split("--> statement-breakpoint")) if (statement.trim()) old.exec(statement);
    old.query("INSERT INTO buildbtw_migrations (name) VALUES (?)").run(m.name);
  }
  old.exec(`INSERT INTO namespaces (name, status, origin_changesets, include) VALUES ('zlib', 'cancelled', '["zlib/main"]', '[]');
    INSERT INTO iterations (namespace_id, reason, origins, origin_changesets, graph) VALUES (1, 'first', '[]', '["zlib/main"]', '{}');
    INSERT INTO builds (iteration_id, namespace_id, arch, pkgbase, "commit", ref, position, status, spec, finished_at)
      VALUES (1, 1, 'x86_64', 'zlib', '${"a".repeat(40)}', 'main', 0, 'failed', '${JSON.stringify(spec)}', '${new Date().toISOString()}');`);
  const chunks = ["==> Making package: zlib\n", "compiling…\n", "==> ERROR: A failure occurred in build().\n"];
  let offset = 0;
  for (const text of chunks) {
    old.query("INSERT INTO build_logs (build_id, attempt, offset, text) VALUES (1, 1, ?, ?)").run(offset, text);
    offset += Buffer.byteLength(text);
  }
  old.close();
  return { buildId: 1, log: chunks.join("") };
}

test("another command opening the database first leaves the table (and its rows) for serve to move", () => {
  const path = join(tmp, "first-by-command.sqlite");
  olderDatabase(path);
  const db = openDatabase(path);
  try {
    expect(tableExists(db.$client, "build_logs")).toBe(true);
    expect(db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM build_logs").get()!.n).toBe(3);
    const applied = db.$client.query("SELECT name FROM buildbtw_migrations WHERE name LIKE '%drop_build_logs'").all();
    expect(applied).toEqual([]);
    // The migrations before it are applied as usual.
    expect(
      db.$client.query("SELECT name FROM buildbtw_migrations WHERE name LIKE '%iteration_complete'").all(),
    ).toHaveLength(1);
  } finally {
    db.$client.close();
  }
});

test("serve moves the rows into log files, then drops the table; log.txt serves the whole log", async () => {
  const dataDir = join(tmp, "data");
  mkdirSync(dataDir, { recursive: true });
  const { buildId, log } = olderDatabase(join(dataDir, "buildbtw.sqlite"));
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  const server = await startServer({ dataDir, reposDir: repos, env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" } });
  try {
    const res = await fetch(`${server.url}/builds/${buildId}/log.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(log);
    expect(server.logs.some((l) => l.includes("build logs moved from the database into files"))).toBe(true);
  } finally {
    await server.stop();
  }
  const db = new Database(join(dataDir, "buildbtw.sqlite"));
  try {
    expect(tableExists(db, "build_logs")).toBe(false);
    expect(db.query("SELECT name FROM buildbtw_migrations WHERE name LIKE '%drop_build_logs'").all()).toHaveLength(1);
  } finally {
    db.close();
  }
});
