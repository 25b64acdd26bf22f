// Makespan benchmark (issue 12): how close critical-path scheduling gets a namespace to the best finish
// possible, how good the ETA is along the way, and that a push rebuilds only what changed.
//
//   bun scripts/bench-makespan.ts [--repos data/universe] [--min-nodes 1000] [--slots 32] [--workers 2]
//                                 [--runs 3] [--scale 0.0005] [--seed 12]
//
// A namespace of ≥ --min-nodes nodes from the synthetic universe (`just gen-universe`); build times drawn
// from a log-normal distribution (median 15 min, σ 1) with a few builds 50× the median, some of them deep
// in the longest chains, handed to `worker --driver fake --fake-durations FILE --fake-time-scale X`; --slots
// slots over real HTTP. One earlier namespace gives every pkgbase a history, so estimates are learnt, not
// told. Then, median of --runs runs each:
// - makespan (first build started → last build finished) divided by the lower bound
//   max(longest path of durations, total duration / slots), with critical-path order and with plain build
//   order (the same server restarted with BUILDBTW_SCHEDULE_ORDER=build-order);
// - the ETA's error when 25 %, 50 % and 75 % of the builds are done: |predicted finish − actual finish|
//   divided by the time that was actually left;
// and, once: after a push to a node with d dependents, the number of builds of the new iteration (d + 1).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { remainingPaths } from "../src/core/critical-path";
import { median } from "../src/core/estimates";
import { indexGraph } from "../src/server/graph-index";
import {
  benchServer,
  loadBenchUniverse,
  rankByDirectDependents,
  smallestRootWith,
  startBenchWorker,
} from "./bench-support";

const { values } = parseArgs({
  options: {
    repos: { type: "string", default: "data/universe" },
    "min-nodes": { type: "string", default: "1000" },
    slots: { type: "string", default: "32" },
    workers: { type: "string", default: "2" },
    runs: { type: "string", default: "3" },
    /** Runs in plain build order (default: as many as --runs). */
    "plain-runs": { type: "string" },
    /** Bench seconds per modelled second: 0.0005 runs a 15-minute build in 0.45 s. */
    scale: { type: "string", default: "0.0005" },
    seed: { type: "string", default: "12" },
    /** Write each run's builds (with the modelled milliseconds) as JSON into this directory. */
    dump: { type: "string" },
  },
});
const repos = resolve(values.repos!);
const slots = Number(values.slots);
const runs = Number(values.runs);
const scale = Number(values.scale);
const main = join(import.meta.dir, "..", "src", "main.ts");
const data = mkdtempSync(join(tmpdir(), "bench-makespan-"));

// ── the graph and its build times ───────────────────────────────────────────────────────────────────

const { entries, graphOf } = await loadBenchUniverse(repos, data);
const { root, nodes: nodeCount } = smallestRootWith(
  rankByDirectDependents(entries, 80),
  (candidate) => graphOf(candidate)?.nodes.length ?? 0,
  Number(values["min-nodes"]),
  repos,
);
const graph = graphOf(root)!;
const index = indexGraph(graph);
console.error(`root ${root}: ${nodeCount} nodes, ${graph.edges.length} edges`);

// A small deterministic generator (mulberry32), so every run of the script models the same builds.
let seed = Number(values.seed) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const MEDIAN_S = 15 * 60;
const seconds: Record<string, number> = {};
for (const pkgbase of index.nodes) seconds[pkgbase] = Math.round(MEDIAN_S * Math.exp(normal()));

// Giants, 50× the median: half in the middle of the longest chains (by count), half anywhere.
const height = remainingPaths(index, () => 1);
const depth = new Map<string, number>();
for (const n of index.nodes) depth.set(n, Math.max(0, ...(index.deps.get(n) ?? []).map((d) => depth.get(d)! + 1)));
const deepInChains = [...index.nodes]
  .filter((n) => depth.get(n)! >= 2 && height.get(n)! >= 3)
  .sort((a, b) => depth.get(b)! + height.get(b)! - (depth.get(a)! + height.get(a)!));
const giants = [
  ...deepInChains.slice(0, 3),
  ...[0, 1, 2].map(() => index.nodes[Math.floor(random() * index.nodes.length)]!),
];
for (const g of giants) seconds[g] = 50 * MEDIAN_S;
const durationsFile = join(data, "durations.json");
writeFileSync(durationsFile, JSON.stringify(seconds));

const benchMs = (pkgbase: string) => seconds[pkgbase]! * 1000 * scale;
const longestPath = Math.max(...remainingPaths(index, benchMs).values());
const total = index.nodes.reduce((sum, n) => sum + benchMs(n), 0);
const lowerBound = Math.max(longestPath, total / slots);
console.error(
  `durations: median ${MEDIAN_S} s, giants ${giants.join(", ")}; bench time: longest path ${(longestPath / 1000).toFixed(1)} s, ` +
    `total/slots ${(total / slots / 1000).toFixed(1)} s → lower bound ${(lowerBound / 1000).toFixed(1)} s`,
);

// The node the push moves: a middle node with a few dependents.
const below = new Map<string, Set<string>>();
for (let i = index.nodes.length - 1; i >= 0; i--) {
  const n = index.nodes[i]!;
  const set = new Set<string>();
  for (const d of index.dependents.get(n) ?? []) {
    set.add(d);
    for (const x of below.get(d)!) set.add(x);
  }
  below.set(n, set);
}
const pushed =
  index.nodes.find((n) => n !== root && below.get(n)!.size >= 3 && below.get(n)!.size <= 30) ?? index.nodes.at(-1)!;
const pushDependents = below.get(pushed)!.size;

// ── server, workers, API ────────────────────────────────────────────────────────────────────────────

const pushBranch = "bench-makespan-push";
const git = (...args: string[]) => {
  const r = Bun.spawnSync(["git", "-C", join(repos, pushed), ...args]);
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
};
git("branch", "--force", pushBranch, "main");

let serverProc: ReturnType<typeof Bun.spawn> | null = null;
let workers: ReturnType<typeof Bun.spawn>[] = [];
let url = "";
let admin = "";
let generation = 0;

async function start(order: "critical-path" | "build-order") {
  const s = benchServer({ main, data, repos });
  url = s.url;
  admin = s.admin;
  const env = { ...s.env, BUILDBTW_SCHEDULE_ORDER: order, BUILDBTW_LEASE_TTL_MS: "600000" };
  serverProc = Bun.spawn(s.cmd, { env, stdout: "ignore", stderr: "ignore" });
  const deadline = Date.now() + 120_000;
  while (
    !(await fetch(`${url}/healthz`)
      .then((r) => r.ok)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error("server did not start");
    await Bun.sleep(100);
  }
  generation++;
  const perWorker = Math.ceil(slots / Number(values.workers));
  workers = [];
  for (let i = 0; i < Number(values.workers); i++)
    workers.push(
      startBenchWorker({
        main,
        env,
        url,
        name: `bench${generation}-${i}`,
        workDir: join(data, `w${generation}-${i}`),
        args: [
          "--concurrency",
          String(perWorker),
          "--fake-durations",
          durationsFile,
          "--fake-time-scale",
          String(scale),
        ],
      }),
    );
}

async function stop() {
  for (const w of workers) w.kill("SIGKILL");
  serverProc?.kill("SIGTERM");
  await Promise.race([serverProc?.exited, Bun.sleep(10_000)]);
  serverProc?.kill("SIGKILL");
}

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

interface Listed {
  name: string;
  latest_iteration: { id: number } | null;
  counts: Record<string, number>;
  eta: { remaining_ms: number } | null;
}
interface Build {
  pkgbase: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  reused_from_iteration: number | null;
}

/** Poll until the namespace's iteration (newer than `after`) is all built; returns ETA samples. */
async function follow(name: string, after = 0) {
  const samples: { at: number; built: number; total: number; remaining: number }[] = [];
  const t0 = Date.now();
  for (;;) {
    const ns = (await api<{ namespaces: Listed[] }>("/api/v1/namespaces")).namespaces.find((n) => n.name === name);
    const it = ns?.latest_iteration;
    if (ns && it && it.id > after) {
      const totalBuilds = Object.values(ns.counts).reduce((a, b) => a + b, 0);
      const built = ns.counts.built ?? 0;
      if ((ns.counts.failed ?? 0) > 0) throw new Error(`${name}: a build failed`);
      if (ns.eta) samples.push({ at: Date.now(), built, total: totalBuilds, remaining: ns.eta.remaining_ms });
      if (totalBuilds > 0 && built === totalBuilds) return { iteration: it.id, samples };
    }
    if (Date.now() - t0 > 30 * 60_000) throw new Error(`${name} did not finish`);
    await Bun.sleep(500);
  }
}

async function runNamespace(name: string, origins: string[]) {
  await api("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ name, origin_changesets: origins }) });
  const { iteration, samples } = await follow(name);
  const builds = (await api<{ builds: Build[] }>(`/api/v1/namespaces/${name}/builds?iteration=${iteration}`)).builds;
  const start = Math.min(...builds.map((b) => Date.parse(b.started_at!)));
  const end = Math.max(...builds.map((b) => Date.parse(b.finished_at!)));
  const errors = [0.25, 0.5, 0.75].map((p) => {
    const s = samples.find((x) => x.built >= p * x.total);
    if (!s) return Number.NaN;
    return Math.abs(s.at + s.remaining - end) / Math.max(1, end - s.at);
  });
  const ratio = (end - start) / lowerBound;
  if (values.dump)
    writeFileSync(
      join(resolve(values.dump), `${name}.json`),
      JSON.stringify({ samples, builds: builds.map((b) => ({ ...b, model_ms: benchMs(b.pkgbase) })) }),
    );
  // Where the time went along the chain that finished last: model build time, time over the model
  // (driver and upload overhead), and gaps between a dependency's result and the next build's start.
  const byName = new Map(builds.map((b) => [b.pkgbase, b]));
  const t = (iso: string | null) => Date.parse(iso!);
  let node: string | undefined = builds.reduce((a, b) => (t(b.finished_at) > t(a.finished_at) ? b : a)).pkgbase;
  const chain = { model: 0, over: 0, gaps: 0, nodes: 0 };
  while (node) {
    const b = byName.get(node)!;
    const depsOf: Build[] = (index.deps.get(node) ?? []).flatMap((d) => byName.get(d) ?? []);
    let last: Build | undefined;
    for (const d of depsOf) if (!last || t(d.finished_at) > t(last.finished_at)) last = d;
    chain.nodes++;
    chain.model += benchMs(node);
    chain.over += t(b.finished_at) - t(b.started_at) - benchMs(node);
    chain.gaps += t(b.started_at) - (last ? t(last.finished_at) : start);
    node = last?.pkgbase;
  }
  console.error(
    `  last chain: ${chain.nodes} builds, model ${(chain.model / 1000).toFixed(1)} s, over the model ${(chain.over / 1000).toFixed(1)} s, waiting ${(chain.gaps / 1000).toFixed(1)} s`,
  );
  console.error(
    `${name}: makespan ${((end - start) / 1000).toFixed(1)} s = ${ratio.toFixed(3)} × lower bound; ETA error ${errors.map((e) => `${(e * 100).toFixed(1)} %`).join(" / ")}`,
  );
  return { ratio, errors, makespanMs: end - start };
}

// ── the runs ────────────────────────────────────────────────────────────────────────────────────────

type Run = Awaited<ReturnType<typeof runNamespace>>;
const results: { critical: Run[]; plain: Run[] } = { critical: [], plain: [] };
let pushBuilds = Number.NaN;
try {
  await start("critical-path");
  // History (and the namespace the push goes to): every pkgbase built once.
  await runNamespace("history", [`${root}/main`, `${pushed}/${pushBranch}`]);
  for (let i = 1; i <= runs; i++) results.critical.push(await runNamespace(`cp${i}`, [`${root}/main`]));

  // A push to one node: only it and its dependents are built in the next iteration.
  const before = (await api<{ namespaces: Listed[] }>("/api/v1/namespaces")).namespaces.find(
    (n) => n.name === "history",
  )!.latest_iteration!.id;
  const tree = git("rev-parse", `${pushBranch}^{tree}`);
  const moved = git("commit-tree", tree, "-p", pushBranch, "-m", "bench-makespan: a push that changes nothing else");
  git("update-ref", `refs/heads/${pushBranch}`, moved);
  await api("/api/v1/refresh", { method: "POST" });
  const { iteration } = await follow("history", before);
  const builds = (await api<{ builds: Build[] }>(`/api/v1/namespaces/history/builds?iteration=${iteration}`)).builds;
  pushBuilds = builds.filter((b) => b.reused_from_iteration === null).length;
  console.error(`push to ${pushed} (${pushDependents} dependents): ${pushBuilds} builds in the new iteration`);

  await stop();
  await start("build-order");
  const plainRuns = Number(values["plain-runs"] ?? runs);
  for (let i = 1; i <= plainRuns; i++) results.plain.push(await runNamespace(`plain${i}`, [`${root}/main`]));
} finally {
  await stop();
  try {
    git("branch", "-D", pushBranch);
  } catch {}
  rmSync(data, { recursive: true, force: true });
}

const med = (xs: number[]) => (xs.length === 0 ? Number.NaN : median(xs.map((x) => Math.round(x * 10_000))) / 10_000);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const list = (xs: number[], f: (x: number) => string) => xs.map(f).join(", ");
const ratioText = (x: number) => x.toFixed(3);
const errorsAt = (i: number) => results.critical.map((r) => r.errors[i]!);
console.log(
  [
    `| measure (${nodeCount} nodes, ${slots} slots, ${cpus().length} cores, median of ${runs}) | target | measured (runs) |`,
    "| --- | --- | --- |",
    `| makespan / lower bound, critical-path order | ≤ 1.10 | ${ratioText(med(results.critical.map((r) => r.ratio)))} (${list(
      results.critical.map((r) => r.ratio),
      ratioText,
    )}) |`,
    `| makespan / lower bound, plain build order | — | ${ratioText(med(results.plain.map((r) => r.ratio)))} (${list(
      results.plain.map((r) => r.ratio),
      ratioText,
    )}) |`,
    ...[0, 1, 2].map(
      (i) =>
        `| ETA error at ${[25, 50, 75][i]} % of builds done | ≤ 15 % | ${pct(med(errorsAt(i)))} (${list(errorsAt(i), pct)}) |`,
    ),
    `| builds after a push to a node with d = ${pushDependents} dependents | d + 1 = ${pushDependents + 1} | ${pushBuilds} |`,
  ].join("\n"),
);
console.log(
  `\nlower bound ${(lowerBound / 1000).toFixed(1)} s (longest path ${(longestPath / 1000).toFixed(1)} s, total/slots ${(total / slots / 1000).toFixed(1)} s); makespans: critical path ${list(
    results.critical.map((r) => r.makespanMs / 1000),
    (s) => `${s.toFixed(1)} s`,
  )}; build order ${list(
    results.plain.map((r) => r.makespanMs / 1000),
    (s) => `${s.toFixed(1)} s`,
  )}`,
);
