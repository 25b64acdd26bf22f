// Shared by the benchmark scripts: loading a (synthetic) universe and picking roots in it — pkgbases ranked by their
// number of direct runtime dependents, which in a heavy-tailed universe is where the large transitive
// rebuilds start — and the settings of a benchmark's server process.

import { join } from "node:path";
import { createPlanner } from "../src/core/graph";
import { relationName } from "../src/core/merge";
import type { SourceEntry } from "../src/core/types";
import { loadUniverse, openSrcinfoCache } from "../src/sources";

/** The universe under `repos` (its .SRCINFO cache in `data`) and the x86_64 graph a namespace of one root builds. */
export async function loadBenchUniverse(repos: string, data: string) {
  const cache = openSrcinfoCache(join(data, "srcinfo-cache.sqlite"));
  const universe = await loadUniverse(repos, { cache });
  cache.close();
  const planner = createPlanner(universe.entries);
  const graphOf = (root: string) =>
    planner.plan([universe.entries.get(root)!], { arch: "x86_64", include: [], defaultArch: "x86_64" }).architectures
      .x86_64;
  return { entries: universe.entries, graphOf };
}

/** Of the candidates, the root whose graph is the smallest one with at least `minNodes` nodes. */
export function smallestRootWith(
  candidates: string[],
  size: (root: string) => number,
  minNodes: number,
  repos: string,
): { root: string; nodes: number } {
  let best = { root: "", nodes: Number.POSITIVE_INFINITY };
  for (const candidate of candidates) {
    const n = size(candidate);
    if (n >= minNodes && n < best.nodes) best = { root: candidate, nodes: n };
  }
  if (!best.root) throw new Error(`no root with ≥ ${minNodes} nodes in ${repos}`);
  return best;
}

export function rankByDirectDependents(entries: ReadonlyMap<string, SourceEntry>, limit: number): string[] {
  const owner = new Map<string, string>();
  for (const e of entries.values()) for (const p of e.srcinfo.packages) owner.set(p.pkgname, e.pkgbase);
  const direct = new Map<string, number>();
  for (const e of entries.values())
    for (const p of e.srcinfo.packages)
      for (const d of p.depends) {
        const o = owner.get(relationName(d));
        if (o) direct.set(o, (direct.get(o) ?? 0) + 1);
      }
  return [...direct.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([p]) => p);
}

/**
 * The settings and command line of a benchmark's `serve` process on a random loopback port, with
 * periodic ref checks pushed out of the way and, with `profileDir`, a CPU profile written on exit.
 */
export function benchServer(opts: { main: string; data: string; repos: string; profileDir?: string }) {
  const port = 18000 + Math.floor(Math.random() * 2000);
  const admin = "bench-admin-token-0123456789";
  const env = {
    ...process.env,
    PORT: String(port),
    INTERFACE: "127.0.0.1",
    DATA_DIR: opts.data,
    REPOS_DIR: opts.repos,
    BUILDBTW_ADMIN_TOKEN: admin,
    BUILDBTW_LOG_FORMAT: "json",
    BUILDBTW_REF_CHECK_INTERVAL_MS: "3600000",
  };
  const profile = opts.profileDir ? ["--cpu-prof-md", `--cpu-prof-dir=${opts.profileDir}`] : [];
  return { port, url: `http://127.0.0.1:${port}`, admin, env, cmd: [process.execPath, ...profile, opts.main, "serve"] };
}

/** Create a worker token through the CLI and start a fake-driver worker with it. */
export function startBenchWorker(opts: {
  main: string;
  env: Record<string, string | undefined>;
  url: string;
  name: string;
  workDir: string;
  args: string[];
}) {
  const out = Bun.spawnSync([process.execPath, opts.main, "token", "create", "--worker", opts.name, "--json"], {
    env: opts.env,
  });
  const { token } = JSON.parse(out.stdout.toString()) as { token: string };
  return Bun.spawn(
    [
      process.execPath,
      opts.main,
      "worker",
      "--server",
      opts.url,
      "--token",
      token,
      "--work-dir",
      opts.workDir,
      ...opts.args,
    ],
    { env: { ...process.env, BUILDBTW_LOG_FORMAT: "json" }, stdout: "ignore", stderr: "ignore" },
  );
}
