// A namespace larger than one write slice, end to end: a real `serve` on a generated universe of real git
// repositories. Its iteration is planned off the main thread and written in slices; what readers end up with
// must be exactly what one computation gives (the plan API), the page's search must stay one bounded page,
// and an iteration a crash left half written must never be seen and must be gone after a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { insertBuildRows } from "../src/db/builds";
import { insertIterationDraft, latestIterationId, listIterationSummaries } from "../src/db/iterations";
import { openDatabase } from "../src/db/open";
import { makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  blocked_by: string[];
}
interface ArchGraph {
  nodes: { pkgbase: string; commit: string }[];
  edges: [string, string][];
  order: string[];
}
interface Detail {
  iteration: {
    id: number;
    reason: string;
    architectures: Record<string, { nodes: Node[]; edges: [string, string][]; order: string[] }>;
  } | null;
  iterations: { id: number }[];
}

const PKGBASES = 700;
let tmp: string;
let repos: string;
let dataDir: string;
let server: ServerProcess;
let origins: string[];

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-large-");
  repos = join(tmp, "repos");
  dataDir = join(tmp, "data");
  const gen = Bun.spawnSync({
    cmd: [
      "bun",
      join(import.meta.dir, "..", "scripts", "gen-universe.ts"),
      "--out",
      repos,
      "--pkgbases",
      String(PKGBASES),
      "--seed",
      "3",
    ],
    stdout: "pipe",
    stderr: "pipe",
  });
  if (gen.exitCode !== 0) throw new Error(`gen-universe failed: ${gen.stderr.toString()}`);
  server = await startServer({ dataDir, reposDir: repos, env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" } });
  // Many origins: glibc (everything depends on it) and a spread of others.
  const names = (await Array.fromAsync(new Bun.Glob("*").scan({ cwd: repos, onlyFiles: false }))).sort();
  origins = ["glibc", ...names.filter((n, i) => n !== "glibc" && i % 9 === 0)].map((n) => `${n}/main`);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

const detail = async (name: string) => (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body;

describe("a namespace of many origins", () => {
  let it: NonNullable<Detail["iteration"]>;
  let plan: { architectures: Record<string, ArchGraph> };

  beforeAll(async () => {
    const made = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: origins, name: "big" }),
    });
    expect(made.status).toBe(201);
    it = await waitFor("the first iteration", async () => (await detail("big")).iteration ?? undefined, 120_000);
    plan = (
      await server.api<{ architectures: Record<string, ArchGraph> }>("/api/v1/plan", {
        method: "POST",
        body: JSON.stringify({ origin_changesets: origins }),
      })
    ).body;
  }, 180_000);

  test("is larger than one write slice", () => {
    expect(origins.length).toBeGreaterThan(50);
    expect(it.architectures.x86_64!.nodes.length).toBeGreaterThan(600);
  });

  test("has exactly the graph one computation gives: same architectures, nodes, order and edges", () => {
    expect(Object.keys(it.architectures).sort()).toEqual(Object.keys(plan.architectures).sort());
    for (const [arch, g] of Object.entries(plan.architectures)) {
      const mine = it.architectures[arch]!;
      expect(mine.order).toEqual(g.order);
      expect(mine.edges).toEqual(g.edges);
      // One build per node, listed in build order.
      expect(mine.nodes.map((n) => n.pkgbase)).toEqual(g.order);
    }
  });

  test("starts every build pending when nothing it waits for is in the graph, blocked (and says on what) otherwise", () => {
    for (const [arch, a] of Object.entries(it.architectures)) {
      const waitsFor = new Map<string, string[]>();
      for (const [from, to] of plan.architectures[arch]!.edges) waitsFor.set(to, [...(waitsFor.get(to) ?? []), from]);
      for (const n of a.nodes) {
        const deps = waitsFor.get(n.pkgbase) ?? [];
        expect(n.status).toBe(deps.length === 0 ? "pending" : "blocked");
        expect([...n.blocked_by].sort()).toEqual(n.status === "blocked" ? [...deps].sort() : []);
      }
    }
  });

  test("its API answer, streamed in slices, has the same builds as the builds listing, and refuses bad arguments first", async () => {
    const listed = (
      await server.api<{ builds: (Node & { namespace?: string; iteration?: number })[] }>(
        "/api/v1/namespaces/big/builds",
      )
    ).body.builds.map(({ namespace, iteration, ...node }) => node);
    const streamed = Object.values(it.architectures).flatMap((a) => a.nodes);
    expect(streamed).toEqual(listed);
    const one = (await server.api<Detail>("/api/v1/namespaces/big?arch=x86_64")).body;
    expect(Object.keys(one.iteration!.architectures)).toEqual(["x86_64"]);
    expect(one.iteration!.architectures.x86_64).toEqual(it.architectures.x86_64!);
    expect((await server.api("/api/v1/namespaces/big?arch=sparc")).status).toBe(404);
    expect((await server.api("/api/v1/namespaces/big?iteration=99999")).status).toBe(404);
    expect((await server.api("/api/v1/namespaces/nothing-here")).status).toBe(404);
  });

  test("a search on its page shows one bounded page: the first 100 of all matches, and says how many there are", async () => {
    const all = it.architectures.x86_64!.nodes;
    const needle = "lib";
    const matching = all.filter((n) => n.pkgbase.includes(needle)).map((n) => n.pkgbase);
    expect(matching.length).toBeGreaterThan(100);
    const res = await fetch(`${server.url}/namespaces/big?arch=x86_64&q=${needle}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const rows = [...html.matchAll(/<tr id="build-(\d+)"/g)].map((m) => Number(m[1]));
    expect(rows.length).toBe(100);
    const byId = new Map(all.map((n) => [n.id, n.pkgbase]));
    expect(rows.map((id) => byId.get(id))).toEqual(matching.slice(0, 100));
    expect(html).toContain(`showing 1–100 of ${matching.length} builds, page 1 of ${Math.ceil(matching.length / 100)}`);
    // The second page goes on where the first stopped.
    const second = await (await fetch(`${server.url}/namespaces/big?arch=x86_64&q=${needle}&page=2`)).text();
    const secondRows = [...second.matchAll(/<tr id="build-(\d+)"/g)].map((m) => byId.get(Number(m[1])));
    expect(secondRows).toEqual(matching.slice(100, 200));
    // No match: no rows, and it says so.
    const none = await (await fetch(`${server.url}/namespaces/big?arch=x86_64&q=no-such-package`)).text();
    expect(none).toContain("No builds match.");
    expect(none).toContain("no builds");
  });

  test("an iteration a crash left half written is never shown, and the next start removes it", async () => {
    const before = await detail("big");
    await server.stop();
    // What a crash between two slices leaves: a draft iteration with some of its builds.
    const db = openDatabase(join(dataDir, "buildbtw.sqlite"));
    let draftBuild: number;
    let draft: number;
    try {
      const ns = db.$client.query<{ id: number }, []>("SELECT id FROM namespaces WHERE name = 'big'").get()!;
      draft = insertIterationDraft(
        db,
        {
          namespaceId: ns.id,
          reason: "retry",
          diffJson: null,
          origins: [],
          originChangesets: origins,
          graphJson: "{}",
        },
        new Date().toISOString(),
      );
      [draftBuild] = insertBuildRows(
        db,
        [
          {
            iterationId: draft,
            namespaceId: ns.id,
            arch: "x86_64",
            pkgbase: "glibc",
            commit: "0".repeat(40),
            ref: "main",
            position: 0,
            status: "pending",
            specJson: "{}",
            pkgrelBump: null,
            identity: null,
          },
        ],
        new Date().toISOString(),
      ) as [number];
      // Readers see the complete iteration as the latest, not the draft.
      expect(latestIterationId(db, ns.id)).toBe(before.iteration!.id);
      expect(listIterationSummaries(db, [ns.id]).map((s) => s.id)).not.toContain(draft);
    } finally {
      db.$client.close();
    }
    server = await startServer({ dataDir, reposDir: repos, env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" } });
    await waitFor("the sweep's log line", () =>
      server.logs.some((l) => l.includes("removed iterations a crash left half written")),
    );
    expect((await server.api(`/api/v1/builds/${draftBuild!}`)).status).toBe(404);
    // Its namespace is checked again at start (nothing changed: no new iteration), and a retry, which waits
    // for that check, makes the one new iteration: the draft left no trace.
    const retried = await server.api<{ id: number; reason: string }>("/api/v1/namespaces/big/iterations", {
      method: "POST",
      body: "{}",
    });
    expect(retried.status).toBe(201);
    expect(retried.body.reason).toBe("retry");
    expect(retried.body.id).toBeGreaterThan(draft!);
    const after = await detail("big");
    expect(after.iterations.map((i) => i.id)).toEqual([retried.body.id, ...before.iterations.map((i) => i.id)]);
    expect(Object.values(after.iteration!.architectures).reduce((n, a) => n + a.nodes.length, 0)).toBe(
      Object.values(before.iteration!.architectures).reduce((n, a) => n + a.nodes.length, 0),
    );
  }, 120_000);
});
