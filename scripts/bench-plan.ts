// Benchmarks `plan` on a synthetic universe (`just gen-universe` first):
//   bun scripts/bench-plan.ts [--repos data/universe] [--runs 5]
// Each run is a fresh process (so peak RSS is that run's): cold load with an empty cache, warm load with
// the cache filled, and planning the root with the most transitive dependents. Reports medians.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createPlanner } from "../src/core/graph";
import { loadUniverse, openSrcinfoCache } from "../src/sources";
import { rankByDirectDependents } from "./bench-support";

const { values } = parseArgs({
  options: {
    repos: { type: "string", default: "data/universe" },
    runs: { type: "string", default: "5" },
    child: { type: "string" },
  },
});
const repos = resolve(values.repos!);

interface RunResult {
  coldMs: number;
  warmMs: number;
  planMs: number;
  root: string;
  dependents: number;
  pkgbases: number;
  maxRssMb: number;
}

async function child(cacheDir: string): Promise<RunResult> {
  const cachePath = join(cacheDir, "srcinfo-cache.sqlite");
  let t = performance.now();
  let cache = openSrcinfoCache(cachePath);
  await loadUniverse(repos, { cache });
  cache.close();
  const coldMs = performance.now() - t;

  t = performance.now();
  cache = openSrcinfoCache(cachePath);
  const universe = await loadUniverse(repos, { cache });
  cache.close();
  const warmMs = performance.now() - t;

  const candidates = rankByDirectDependents(universe.entries, 5);
  const planner = createPlanner(universe.entries);
  const options = { arch: "x86_64", include: [], defaultArch: "x86_64" };
  // Warm the planner's per-arch index once: the target is plan time after load.
  planner.plan([universe.entries.get(candidates[0]!)!], options);
  let best = { root: "", dependents: 0 };
  for (const c of candidates) {
    const n = planner.plan([universe.entries.get(c)!], options).architectures.x86_64?.nodes.length ?? 0;
    if (n > best.dependents) best = { root: c, dependents: n };
  }
  t = performance.now();
  planner.plan([universe.entries.get(best.root)!], options);
  const planMs = performance.now() - t;
  return {
    coldMs,
    warmMs,
    planMs,
    root: best.root,
    dependents: best.dependents - 1,
    pkgbases: universe.entries.size,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (values.child) {
  console.log(JSON.stringify(await child(values.child)));
} else {
  const runs = Number(values.runs);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), "bench-plan-"));
    const proc = Bun.spawnSync([process.execPath, import.meta.path, "--repos", repos, "--child", dir], {
      stderr: "inherit",
    });
    rmSync(dir, { recursive: true, force: true });
    if (proc.exitCode !== 0) throw new Error(`run ${i + 1} failed`);
    const r = JSON.parse(proc.stdout.toString()) as RunResult;
    results.push(r);
    console.error(
      `run ${i + 1}: cold ${r.coldMs.toFixed(0)} ms, warm ${r.warmMs.toFixed(0)} ms, plan ${r.planMs.toFixed(1)} ms, RSS ${r.maxRssMb.toFixed(0)} MB`,
    );
  }
  const r0 = results[0]!;
  console.log(
    `\n${r0.pkgbases} pkgbases; root ${r0.root} with ${r0.dependents} transitive dependents; ${cpus().length} cores; median of ${runs} runs\n`,
  );
  console.log("| measure | target | measured |\n| --- | --- | --- |");
  console.log(`| cold load (empty cache) | ≤ 30 s | ${(median(results.map((r) => r.coldMs)) / 1000).toFixed(2)} s |`);
  console.log(`| warm load (cache filled) | ≤ 2 s | ${(median(results.map((r) => r.warmMs)) / 1000).toFixed(2)} s |`);
  console.log(
    `| plan of ${r0.root} (${r0.dependents} dependents) | ≤ 100 ms | ${median(results.map((r) => r.planMs)).toFixed(1)} ms |`,
  );
  console.log(`| peak RSS | ≤ 400 MB | ${median(results.map((r) => r.maxRssMb)).toFixed(0)} MB |`);
}
