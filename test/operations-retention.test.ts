// Issue 13: retention. A namespace retried several times by a real server and fake worker (full rebuilds,
// then one retry that reuses the builds as hard links); `buildbtw gc` (the real command, against the
// running server's data directory) removes the repositories of iterations beyond the policy, the API says
// they were pruned, and `--dry-run` removes nothing. The server's own sweep applies the policy at start, and
// the files the newest iteration reuses survive the removal of the iteration that built them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { runCli } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Detail {
  iteration: {
    id: number;
    pruned_at?: string | null;
    architectures: Record<string, { nodes: { id: number; status: string; reused_from_iteration: number | null }[] }>;
  } | null;
  iterations: { id: number; pruned_at?: string | null }[];
}
interface Report {
  dry_run: boolean;
  iterations: { namespace: string; iteration: number; reason: string; files: number; bytes: number; shared: number }[];
  logs: { builds: number; bytes: number };
  freed_bytes: number;
}

let tmp: string;
let repos: string;
let dataDir: string;
let server: ServerProcess;
let worker: Subprocess;
const ids: number[] = [];

const detail = async (iteration?: number) =>
  (await server.api<Detail>(`/api/v1/namespaces/zlib${iteration ? `?iteration=${iteration}` : ""}`)).body;
const repoDir = (iteration: number) => join(dataDir, "repos", "zlib", String(iteration));
const gc = async (args: string[], env: Record<string, string> = {}) => {
  const r = await runCli(["gc", ...args], { env: { DATA_DIR: dataDir, BUILDBTW_RETENTION_ITERATIONS: "2", ...env } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
};

async function builtIteration(after: number): Promise<number> {
  const d = await waitFor(`an iteration after ${after} to be built`, async () => {
    const x = await detail();
    const nodes = x.iteration?.architectures.x86_64?.nodes ?? [];
    return x.iteration && x.iteration.id > after && nodes.length === 2 && nodes.every((n) => n.status === "built")
      ? x
      : undefined;
  });
  return d.iteration!.id;
}

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-retention-");
  repos = join(tmp, "repos");
  dataDir = join(tmp, "data");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  makeRepo(repos, "libpng", srcinfo({ pkgbase: "libpng", depends: ["zlib"] }));
  server = await startServer({ dataDir, reposDir: repos, env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" } });
  worker = startWorker({ server: server.url, token: await server.workerToken("w1"), workDir: join(tmp, "work") });
  const created = await server.api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
  });
  expect(created.status).toBe(201);
  ids.push(await builtIteration(0));
  for (let i = 0; i < 4; i++) {
    // Three full rebuilds (each iteration its own files), then a retry that reuses the last one's builds.
    const body = JSON.stringify({ rebuild_all: i < 3 });
    expect((await server.api("/api/v1/namespaces/zlib/iterations", { method: "POST", body })).status).toBe(201);
    ids.push(await builtIteration(ids.at(-1)!));
  }
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
});

describe("retention", () => {
  let shared: string[];
  let sharedBytes: Buffer[];

  test("gc --dry-run lists the iterations beyond the policy with sizes and removes nothing", async () => {
    expect(ids).toHaveLength(5);
    // The newest iteration reused the one before: its package files are hard links to that one's.
    const newest = (await detail()).iteration!.architectures.x86_64!.nodes;
    expect(newest.map((n) => n.reused_from_iteration)).toEqual([ids[3]!, ids[3]!]);
    const dir = join(repoDir(ids[4]!), "x86_64");
    shared = readdirSync(dir)
      .filter((n) => n.endsWith(".pkg.tar.zst"))
      .map((n) => join(dir, n));
    expect(shared).toHaveLength(2);
    for (const f of shared) expect(statSync(f).nlink).toBe(2);
    sharedBytes = shared.map((f) => readFileSync(f));

    const report = JSON.parse(await gc(["--dry-run", "--json"])) as Report;
    expect(report.dry_run).toBe(true);
    expect(report.iterations.map((i) => i.iteration)).toEqual(ids.slice(0, 3).reverse());
    for (const it of report.iterations) {
      expect(it.reason).toBe("older than the newest 2 iteration(s)");
      expect(it.files).toBeGreaterThanOrEqual(4);
      expect(it.bytes).toBeGreaterThan(0);
    }
    for (const it of report.iterations) expect(it.shared).toBe(0);
    expect(report.freed_bytes).toBe(report.iterations.reduce((s, i) => s + i.bytes, 0));
    for (const id of ids) expect(existsSync(repoDir(id))).toBe(true);
    expect((await detail()).iterations.every((i) => i.pruned_at === null)).toBe(true);

    const text = await gc(["--dry-run"]);
    expect(text).toContain(`would remove zlib iteration ${ids[0]} (older than the newest 2 iteration(s)):`);
    expect(text).toMatch(/would free \d+(\.\d)? (B|KiB|MiB) \(3 iteration\(s\), 0 log\(s\)\)/);
  });

  test("gc removes them, the API says they were pruned, shared files survive while referenced", async () => {
    const text = await gc([]);
    expect(text).toContain(`removed zlib iteration ${ids[1]}`);
    for (const id of ids.slice(0, 3)) expect(existsSync(repoDir(id))).toBe(false);
    for (const id of ids.slice(3)) expect(existsSync(join(repoDir(id), "x86_64", "buildbtw-zlib.db"))).toBe(true);
    shared.forEach((f, i) => {
      expect(readFileSync(f).equals(sharedBytes[i]!)).toBe(true);
    });

    const d = await detail();
    const pruned = new Map(d.iterations.map((i) => [i.id, i.pruned_at]));
    for (const id of ids.slice(0, 3)) expect(pruned.get(id)).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const id of ids.slice(3)) expect(pruned.get(id)).toBeNull();
    expect((await detail(ids[0])).iteration!.pruned_at).toBe(pruned.get(ids[0]!)!);
    const gone = await server.api<{ error: string }>(`/repo/zlib/${ids[0]}/os/x86_64/buildbtw-zlib.db`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toContain("pruned");
    expect((await server.api(`/repo/zlib/latest/os/x86_64/buildbtw-zlib.db`)).status).toBe(200);

    // Nothing more to do: a second run removes nothing.
    expect(JSON.parse(await gc(["--json"])).iterations).toEqual([]);
  });

  test("build logs older than the log limit are removed, newer ones kept", async () => {
    // A build that ran (the newest iteration's were reused and have no log of their own).
    const build = (await detail(ids[3])).iteration!.architectures.x86_64!.nodes[0]!;
    const log = async () => (await server.api<{ text: string }>(`/api/v1/builds/${build.id}/log`)).body.text;
    expect(await log()).not.toBe("");
    expect(JSON.parse(await gc(["--json"])).logs.builds).toBe(0);
    const report = JSON.parse(await gc(["--json"], { BUILDBTW_RETENTION_LOG_DAYS: "0" })) as Report;
    expect(report.logs.builds).toBe(8);
    expect(report.logs.bytes).toBeGreaterThan(0);
    expect(await log()).toBe("");
  });

  test("the server's sweep applies the policy at start and logs what it freed", async () => {
    await server.stop();
    server = await startServer({
      dataDir,
      reposDir: repos,
      env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", BUILDBTW_RETENTION_ITERATIONS: "1" },
    });
    const line = await waitFor("the sweep's log line", () =>
      server.logs.find((l) => l.includes('"retention sweep: freed')),
    );
    expect(JSON.parse(line)).toMatchObject({ iterations: 1 });
    const removed = server.logs.find((l) => l.includes("retention removed an iteration's repositories"))!;
    expect(JSON.parse(removed)).toMatchObject({ namespace: "zlib", iteration: ids[3], shared_files: 2 });
    expect(existsSync(repoDir(ids[3]!))).toBe(false);
    expect(existsSync(repoDir(ids[4]!))).toBe(true);
    // The files the newest iteration reused survive the iteration that built them, and are now its own.
    shared.forEach((f, i) => {
      expect(readFileSync(f).equals(sharedBytes[i]!)).toBe(true);
      expect(statSync(f).nlink).toBe(1);
    });
  });
});
