// Issue 13: `buildbtw backup` while a real server builds (a real fake-driver worker uploading), restored
// into a second server that serves the same namespaces; `buildbtw check` finding a deleted package file,
// orphans and a tampered repository database, and `--repair` fixing what it can.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { runCli } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Report {
  problems: { kind: string; path: string; detail: string; repaired?: string }[];
  unresolved: number;
  checked: { iterations: number; repositories: number; files: number };
}
interface Detail {
  iteration: { id: number; architectures: Record<string, { nodes: { status: string }[] }> } | null;
}

const DEPENDENTS = 30;
let tmp: string;
let repos: string;
let dataDir: string;
let server: ServerProcess;
let restored: ServerProcess | undefined;
let worker: Subprocess;

const nodes = async (s: ServerProcess, name: string) =>
  (await s.api<Detail>(`/api/v1/namespaces/${name}`)).body.iteration?.architectures.x86_64?.nodes ?? [];
const cli = (args: string[], dir: string) => runCli(args, { env: { DATA_DIR: dir } });
const check = async (dir: string, repair = false) => {
  const r = await cli(["check", "--json", ...(repair ? ["--repair"] : [])], dir);
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
};

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-backup-");
  repos = join(tmp, "repos");
  dataDir = join(tmp, "data");
  makeRepo(repos, "base", srcinfo({ pkgbase: "base" }));
  for (let i = 0; i < DEPENDENTS; i++) makeRepo(repos, `dep${i}`, srcinfo({ pkgbase: `dep${i}`, depends: ["base"] }));
  makeRepo(repos, "other", srcinfo({ pkgbase: "other" }));
  server = await startServer({ dataDir, reposDir: repos, env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" } });
  worker = startWorker({
    server: server.url,
    token: await server.workerToken("w1"),
    workDir: join(tmp, "work"),
    args: ["--concurrency", "2", "--fake-delay-ms", "150"],
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  await restored?.stop();
  removeDir(tmp);
});

describe("backup and restore", () => {
  test("a backup taken while builds upload restores to a server that serves the same namespaces", async () => {
    for (const origin of ["base/main", "other/main"]) {
      const r = await server.api("/api/v1/namespaces", {
        method: "POST",
        body: JSON.stringify({ origin_changesets: [origin] }),
      });
      expect(r.status).toBe(201);
    }
    await waitFor(
      "the first builds",
      async () => (await nodes(server, "base")).filter((n) => n.status === "built").length >= 2,
    );
    const file = join(tmp, "backup.sqlite");
    const out = await cli(["backup", file, "--json"], dataDir);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout) as { namespaces: number; builds: number; integrity: string; bytes: number };
    expect(summary).toMatchObject({ namespaces: 2, builds: DEPENDENTS + 2, integrity: "ok" });
    // The copy is mid-build: some builds built, some not yet.
    const copy = new Database(file, { readonly: true });
    const counts = Object.fromEntries(
      copy
        .query<{ status: string; n: number }, []>("SELECT status, count(*) AS n FROM builds GROUP BY status")
        .all()
        .map((r) => [r.status, r.n]),
    );
    copy.close();
    expect(counts.built).toBeGreaterThanOrEqual(2);
    expect(counts.built).toBeLessThan(DEPENDENTS + 2);

    // A second backup to the same name is refused with a sentence.
    const again = await cli(["backup", file], dataDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists already");

    // Restore as the README says: the database copy, then the repository files.
    const target = join(tmp, "restored");
    mkdirSync(target);
    copyFileSync(file, join(target, "buildbtw.sqlite"));
    cpSync(join(dataDir, "repos"), join(target, "repos"), { recursive: true });
    // Files uploaded after the backup have no record in it: orphans that check --repair removes.
    const repaired = await check(target, true);
    expect(repaired.report.problems.filter((p) => p.kind === "missing")).toEqual([]);
    expect((await check(target)).code).toBe(0);

    worker.kill("SIGTERM");
    restored = await startServer({
      dataDir: target,
      reposDir: repos,
      env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
    });
    const names = async (s: ServerProcess) =>
      (await s.api<{ namespaces: { name: string }[] }>("/api/v1/namespaces?all=true")).body.namespaces.map(
        (n) => n.name,
      );
    expect(await names(restored)).toEqual(await names(server));
    const built = async (s: ServerProcess) =>
      [...(await nodes(s, "base")), ...(await nodes(s, "other"))].filter((n) => n.status === "built").length;
    expect(await built(restored)).toBe(counts.built ?? 0);
    const db = await restored.api<ArrayBuffer>("/repo/base/latest/os/x86_64/buildbtw-base.db");
    expect(db.status).toBe(200);
  });
});

describe("check", () => {
  let base: string;
  beforeAll(async () => {
    await restored?.stop();
    restored = undefined;
    // Everything built in the original: a fresh worker finishes what the SIGTERM left.
    worker = startWorker({ server: server.url, token: await server.workerToken("w2"), workDir: join(tmp, "work2") });
    await waitFor(
      "every build",
      async () =>
        (await nodes(server, "base")).every((n) => n.status === "built") && (await nodes(server, "base")).length > 0,
      60_000,
    );
    const it = (await server.api<Detail>("/api/v1/namespaces/base")).body.iteration!.id;
    base = join(dataDir, "repos", "base", String(it), "x86_64");
  });

  test("finds nothing wrong in a healthy data directory", async () => {
    // The server writes each .files database a moment after the .db: wait for it to settle.
    const { code, report } = await waitFor("a clean check", async () => {
      const r = await check(dataDir);
      return r.code === 0 ? r : undefined;
    });
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.checked.files).toBe(DEPENDENTS + 2);
  });

  test("finds a deleted file, orphans and a tampered database; --repair fixes what it can and says so", async () => {
    const deleted = readdirSync(base).find((n) => n.startsWith("dep7-"))!;
    unlinkSync(join(base, deleted));
    writeFileSync(join(base, "stray-1.0-1-x86_64.pkg.tar.zst"), "not a package");
    mkdirSync(join(dataDir, "repos", "ghost", "1", "x86_64"), { recursive: true });
    writeFileSync(join(dataDir, "repos", "ghost", "1", "x86_64", "ghost-1-1-x86_64.pkg.tar.zst"), "x");
    // The database of another namespace put in place of base's: it lists other packages.
    const otherIt = readdirSync(join(dataDir, "repos", "other"))[0]!;
    copyFileSync(
      join(dataDir, "repos", "other", otherIt, "x86_64", "buildbtw-other.db"),
      join(base, "buildbtw-base.db"),
    );

    const found = await check(dataDir);
    expect(found.code).toBe(1);
    const kinds = (k: string) => found.report.problems.filter((p) => p.kind === k);
    expect(kinds("missing").map((p) => p.path)).toEqual([`repos/base/${base.split("/").at(-2)}/x86_64/${deleted}`]);
    expect(kinds("missing")[0]!.detail).toContain("retry");
    expect(
      kinds("orphan")
        .map((p) => p.path)
        .sort(),
    ).toEqual(["repos/ghost", `repos/base/${base.split("/").at(-2)}/x86_64/stray-1.0-1-x86_64.pkg.tar.zst`].sort());
    expect(kinds("database").map((p) => p.path.split("/").at(-1))).toEqual(["buildbtw-base.db"]);
    expect(kinds("database")[0]!.detail).toMatch(/lists other-.* that the records do not/);
    expect(found.report.problems.every((p) => p.repaired === undefined)).toBe(true);
    expect(existsSync(join(base, "stray-1.0-1-x86_64.pkg.tar.zst"))).toBe(true);

    const text = await cli(["check", "--repair"], dataDir);
    expect(text.code).toBe(1); // the deleted package cannot be recreated here
    expect(text.stdout).toContain("→ rewrote the repository database from");
    expect(text.stdout).toContain("→ removed");
    expect(text.stdout).toMatch(/4 problem\(s\), 3 repaired, 1 left/);
    expect(existsSync(join(base, "stray-1.0-1-x86_64.pkg.tar.zst"))).toBe(false);
    expect(existsSync(join(dataDir, "repos", "ghost"))).toBe(false);

    const after = await check(dataDir);
    expect(after.report.problems.map((p) => p.kind)).toEqual(["missing"]);
    rmSync(join(base, "buildbtw-base.db"));
    expect((await check(dataDir)).report.problems.map((p) => p.kind).sort()).toEqual(["database", "missing"]);
  });
});
