// Scheduler benchmark (issue 3): a namespace of ≥ 2,000 nodes from the synthetic universe, fake workers
// with zero build time, 16 slots in total. Reports builds/s end to end and the dispatch latency
// (last dependency reported built → dependent leased), p50/p95, read from the server's JSON log.
//   bun scripts/bench-scheduler.ts [--repos data/universe] [--min-nodes 2000] [--workers 2] [--slots 16]
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
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
    "min-nodes": { type: "string", default: "2000" },
    workers: { type: "string", default: "2" },
    slots: { type: "string", default: "16" },
    /** Write a CPU profile (markdown) of the server into this directory. */
    profile: { type: "string" },
  },
});
const repos = resolve(values.repos!);
const minNodes = Number(values["min-nodes"]);
const main = join(import.meta.dir, "..", "src", "main.ts");
const data = mkdtempSync(join(tmpdir(), "bench-scheduler-"));

// Pick the root whose graph is the smallest one with at least minNodes nodes.
const { entries, graphOf } = await loadBenchUniverse(repos, data);
const { root, nodes: rootNodes } = smallestRootWith(
  rankByDirectDependents(entries, 60),
  (candidate) => graphOf(candidate)?.nodes.length ?? 0,
  minNodes,
  repos,
);
console.error(`root ${root}: ${rootNodes} nodes`);

const { url, admin, env, cmd } = benchServer({
  main,
  data,
  repos,
  profileDir: values.profile ? resolve(values.profile) : undefined,
});
const server = Bun.spawn(cmd, { env, stdout: "ignore", stderr: "pipe" });
const logLines: string[] = [];
const reading = (async () => {
  let buf = "";
  const reader = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    logLines.push(...lines);
  }
})();
const deadline = Date.now() + 120_000;
while (
  !(await fetch(`${url}/healthz`)
    .then((r) => r.ok)
    .catch(() => false))
) {
  if (Date.now() > deadline) throw new Error("server did not start");
  await Bun.sleep(100);
}

const workerCount = Number(values.workers);
const perWorker = Math.ceil(Number(values.slots) / workerCount);
const workers = [];
for (let i = 0; i < workerCount; i++) {
  workers.push(
    startBenchWorker({
      main,
      env,
      url,
      name: `bench${i}`,
      workDir: join(data, `w${i}`),
      args: ["--concurrency", String(perWorker)],
    }),
  );
}

const t0 = performance.now();
const created = await fetch(`${url}/api/v1/namespaces`, {
  method: "POST",
  headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
  body: JSON.stringify({ origin_changesets: [`${root}/main`] }),
});
if (created.status !== 201) throw new Error(`namespace: ${created.status} ${await created.text()}`);
let counts: Record<string, number> = {};
for (;;) {
  const list = (await (await fetch(`${url}/api/v1/namespaces`)).json()) as {
    namespaces: { counts: Record<string, number> }[];
  };
  counts = list.namespaces[0]?.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total > 0 && (counts.built ?? 0) + (counts.failed ?? 0) === total) break;
  if (performance.now() - t0 > 30 * 60_000) throw new Error(`timed out: ${JSON.stringify(counts)}`);
  await Bun.sleep(200);
}
const seconds = (performance.now() - t0) / 1000;
for (const w of workers) w.kill("SIGTERM");
server.kill("SIGTERM");
await Promise.race([Promise.all([reading, server.exited]), Bun.sleep(10_000)]);

// Dispatch latency from the log: for each dispatched build, time since its last dependency succeeded.
interface Line {
  time: string;
  msg: string;
  pkgbase?: string;
  iteration?: number;
  worker_was_idle?: boolean;
}
const events = logLines.flatMap((l) => {
  try {
    return [JSON.parse(l) as Line];
  } catch {
    return [];
  }
});
const succeeded = new Map<string, number>();
for (const e of events) if (e.msg === "build succeeded" && e.pkgbase) succeeded.set(e.pkgbase, Date.parse(e.time));
const graph = graphOf(root)!;
const depsOf = new Map<string, string[]>();
for (const [from, to] of graph.edges) depsOf.set(to, [...(depsOf.get(to) ?? []), from]);
const latencies: number[] = [];
const idleLatencies: number[] = [];
for (const e of events) {
  if (e.msg !== "build dispatched" || !e.pkgbase) continue;
  const ds = depsOf.get(e.pkgbase);
  if (!ds?.length) continue;
  const ready = Math.max(...ds.map((d) => succeeded.get(d) ?? 0));
  if (ready === 0) continue;
  latencies.push(Date.parse(e.time) - ready);
  if (e.worker_was_idle) idleLatencies.push(Date.parse(e.time) - ready);
}
const pctOf = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const pct = (p: number) => pctOf(idleLatencies, p);
const built = counts.built ?? 0;
console.log(
  `\n${rootNodes} nodes (root ${root}); ${workerCount} workers × ${perWorker} slots; ${cpus().length} cores\n`,
);
console.log("| measure | target | measured |\n| --- | --- | --- |");
console.log(
  `| builds per second, end to end | ≥ 50 | ${(built / seconds).toFixed(1)} (${built} built, ${counts.failed ?? 0} failed, ${seconds.toFixed(1)} s) |`,
);
console.log(`| dispatch latency p50, a slot was free (${idleLatencies.length} builds) | | ${pct(50)} ms |`);
console.log(`| dispatch latency p95, a slot was free | ≤ 100 ms | ${pct(95)} ms |`);
console.log(
  `| dispatch latency p50 / p95, all ${latencies.length} builds with dependencies (incl. waiting for a busy slot) | | ${pctOf(latencies, 50)} / ${pctOf(latencies, 95)} ms |`,
);
rmSync(data, { recursive: true, force: true });
