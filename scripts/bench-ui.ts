// Web UI benchmark (issue 5): the namespace page of an iteration with ≥ 5,000 nodes, and the home page with
// 50 namespaces, served by a real `serve` process over loopback. A few fake workers build for a while first,
// so the page shows a realistic mix of statuses; they are stopped before measuring, so the numbers are the
// page's own cost. Reports the median of --runs requests: time to the whole response, and the bytes sent
// (plain and gzip, which browsers ask for).
//   bun scripts/bench-ui.ts [--repos data/universe] [--min-nodes 5000] [--namespaces 50] [--runs 9] [--build-ms 20000]
//                           [--profile DIR]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
    "min-nodes": { type: "string", default: "5000" },
    namespaces: { type: "string", default: "50" },
    runs: { type: "string", default: "9" },
    "build-ms": { type: "string", default: "20000" },
    /** Write a CPU profile (markdown) of the server into this directory. */
    profile: { type: "string" },
  },
});
const repos = resolve(values.repos!);
const minNodes = Number(values["min-nodes"]);
const namespaceCount = Number(values.namespaces);
const runs = Number(values.runs);
const main = join(import.meta.dir, "..", "src", "main.ts");
const data = mkdtempSync(join(tmpdir(), "bench-ui-"));
const log = (m: string) => console.error(`bench-ui: ${m}`);

// The big namespace: the smallest graph with at least minNodes nodes. The others: small graphs.
const { entries, graphOf } = await loadBenchUniverse(repos, data);
const size = (pkgbase: string) => graphOf(pkgbase)?.nodes.length ?? 0;
const { root, nodes: rootNodes } = smallestRootWith(rankByDirectDependents(entries, 200), size, minNodes, repos);
const small: string[] = [];
for (const pkgbase of [...entries.keys()].sort()) {
  if (small.length >= namespaceCount - 1) break;
  const n = size(pkgbase);
  if (pkgbase !== root && n >= 2 && n <= 300) small.push(pkgbase);
}
log(`root ${root}: ${rootNodes} nodes; ${small.length} small namespaces`);

const { url, admin, env, cmd } = benchServer({
  main,
  data,
  repos,
  profileDir: values.profile ? resolve(values.profile) : undefined,
});
const server = Bun.spawn(cmd, { env, stdout: "ignore", stderr: "ignore" });
const workers: ReturnType<typeof Bun.spawn>[] = [];

async function until<T>(what: string, check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

const api = (path: string, body?: unknown) =>
  fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function iterationOf(name: string): Promise<number | undefined> {
  const d = (await (await api(`/api/v1/namespaces/${name}`)).json()) as { iteration: { id: number } | null };
  return d.iteration?.id;
}

interface Sample {
  ms: number;
  bytes: number;
  gzipBytes: number;
}

async function measure(path: string): Promise<Sample> {
  // Warm-up: the first request after a change parses the iteration once.
  await (await fetch(`${url}${path}`)).arrayBuffer();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}${path}`);
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    bytes = body.byteLength;
  }
  const gz = await fetch(`${url}${path}`, { headers: { "accept-encoding": "gzip" }, decompress: false });
  const gzipBytes = (await gz.arrayBuffer()).byteLength;
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, bytes, gzipBytes };
}

try {
  await until("the server", async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 120_000);
  const created = await api("/api/v1/namespaces", { origin_changesets: [`${root}/main`], name: "big" });
  if (created.status !== 201) throw new Error(`creating the big namespace: ${created.status} ${await created.text()}`);
  const bigIteration = await until("the big iteration", () => iterationOf("big"), 300_000);

  // A mix of statuses: two fake workers build for a while, then stop.
  for (let i = 0; i < 2; i++) {
    workers.push(
      startBenchWorker({
        main,
        env,
        url,
        name: `bench${i}`,
        workDir: join(data, `work${i}`),
        args: ["--concurrency", "4", "--fake-delay-ms", "200"],
      }),
    );
  }

  await Bun.sleep(Number(values["build-ms"]));
  for (const w of workers) w.kill("SIGKILL");

  for (const [i, pkgbase] of small.entries()) {
    const res = await api("/api/v1/namespaces", { origin_changesets: [`${pkgbase}/main`], name: `small-${i}` });
    if (res.status !== 201) throw new Error(`creating small-${i}: ${res.status} ${await res.text()}`);
  }
  await until(
    "every namespace's iteration",
    async () => {
      const list = (await (await api("/api/v1/namespaces")).json()) as {
        namespaces: { latest_iteration: unknown }[];
      };
      return list.namespaces.length === namespaceCount && list.namespaces.every((n) => n.latest_iteration)
        ? true
        : undefined;
    },
    300_000,
  );
  const counts = (
    (await (await api("/api/v1/namespaces/big")).json()) as {
      iteration: { architectures: Record<string, { counts: Record<string, number> }> };
    }
  ).iteration.architectures.x86_64!.counts;
  log(`big namespace statuses: ${JSON.stringify(counts)}`);

  const firstBlocked = (
    (await (await api("/api/v1/namespaces/big/builds?status=blocked")).json()) as { builds: { pkgbase: string }[] }
  ).builds.at(-1)?.pkgbase;
  const pages: [string, string][] = [
    [`namespace page, ${rootNodes} nodes`, "/namespaces/big"],
    ["the iteration by id, blocked + search filter", `/namespaces/big/iterations/${bigIteration}?status=blocked&q=a`],
    ["namespace page with a selected node", `/namespaces/big?node=${encodeURIComponent(firstBlocked ?? root)}`],
    ["depth group 1 (htmx fragment)", `/namespaces/big/iterations/${bigIteration}/groups/1?arch=x86_64`],
    [`home page, ${namespaceCount} namespaces`, "/"],
  ];
  const rows: string[] = [];
  for (const [what, path] of pages) {
    const s = await measure(path);
    rows.push(
      `| ${what} | ${s.ms.toFixed(1)} ms | ${(s.bytes / 1024).toFixed(1)} KiB | ${(s.gzipBytes / 1024).toFixed(1)} KiB |`,
    );
  }
  console.log(
    `\n${rootNodes}-node namespace (root ${root}), ${namespaceCount} namespaces, median of ${runs} requests:\n`,
  );
  console.log("| page | server time | size | gzip |");
  console.log("| --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
} finally {
  for (const w of workers) w.kill("SIGKILL");
  server.kill("SIGTERM");
  await server.exited;
  rmSync(data, { recursive: true, force: true });
}
