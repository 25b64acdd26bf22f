// How long /healthz takes to answer while one heavy request runs (the event loop must never be blocked
// for long): against a `serve` process on a synthetic universe (`just gen-universe` first).
//
//   bun scripts/bench-healthz.ts [--repos data/universe] [--runs 5]
//
// For each heavy request — a plan of 500 origins with makedepends, a namespace of 500 origins (its graph
// is computed after the answer), a 128 MiB package upload (streamed, hashed, unpacked by a child, its
// repository database rewritten), reading a 64 MiB build log, a search on a namespace page, the API's answer
// for that namespace with every node — /healthz is asked every 10 ms while it runs. Reports per request the median over runs of the slowest /healthz
// answer and of the request's own time, and the machine's core count.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildPackage } from "../src/pacman";
import { readTar, writeTar } from "../src/pacman/tar";
import { freePort, waitFor } from "../test/support/processes";
import { loadBenchUniverse, rankByDirectDependents } from "./bench-support";

const { values } = parseArgs({
  options: { repos: { type: "string", default: "data/universe" }, runs: { type: "string", default: "5" } },
});
const repos = resolve(values.repos!);
const runs = Number(values.runs);
const ADMIN = "bench-admin-token-0123456789";
const MiB = 1024 ** 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Polls every 100 ms, for up to 10 minutes (a planning run on the universe takes a while). */
const waitUntil = (what: string, check: () => Promise<boolean>) => waitFor(what, check, 600_000, 100);

const data = mkdtempSync(join(tmpdir(), "bench-healthz-"));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = Bun.spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), "serve"], {
  env: {
    ...process.env,
    PORT: String(port),
    INTERFACE: "127.0.0.1",
    DATA_DIR: data,
    REPOS_DIR: repos,
    BUILDBTW_ADMIN_TOKEN: ADMIN,
    BUILDBTW_LOG_FORMAT: "json",
    BUILDBTW_LOG_LEVEL: "warn",
    BUILDBTW_LEASE_TTL_MS: "600000",
    BUILDBTW_REF_CHECK_INTERVAL_MS: "3600000",
  },
  stdout: "ignore",
  stderr: "inherit",
});

try {
  await waitUntil("the server", async () => (await fetch(`${url}/healthz`)).ok);
  const { entries } = await loadBenchUniverse(repos, data);
  const roots = rankByDirectDependents(entries, 500);
  const origins = roots.map((r) => `${r}/main`);
  const api = (path: string, init: RequestInit & { type?: string } = {}, token: string | null = ADMIN) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        "content-type": init.type ?? "application/json",
      },
    });

  // A worker token and a lease, for the upload and the log.
  const tokenOut = Bun.spawnSync(
    [process.execPath, join(import.meta.dir, "../src/main.ts"), "token", "create", "--worker", "bench", "--json"],
    {
      env: { ...process.env, DATA_DIR: data },
    },
  );
  const workerToken = (JSON.parse(tokenOut.stdout.toString()) as { token: string }).token;
  const small = roots.at(-1)!;
  await api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: [`${small}/main`], name: "lease" }),
  });
  let lease: { lease_id: string; build_id: number; pkgbase: string; expected_files: string[] } | null = null;
  await waitUntil("a lease", async () => {
    const r = await api(
      "/api/v1/leases",
      { method: "POST", body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 1000 }) },
      workerToken,
    );
    if (r.status === 200) lease = await r.json();
    else if (r.status !== 204) throw new Error(`lease: ${r.status} ${await r.text()}`);
    return lease !== null;
  });
  const held = lease!;
  const fileName = held.expected_files[0]!;
  const m = /^(.+)-([^-]+-[^-]+)-([^-]+)\.pkg\.tar\.zst$/.exec(fileName)!;
  // A package with 128 MiB of incompressible payload, built once.
  const meta = { pkgname: m[1]!, pkgbase: held.pkgbase, version: m[2]!, arch: m[3]! };
  const base = readTar(Bun.zstdDecompressSync(buildPackage(meta)));
  const payload = new Uint8Array(128 * MiB);
  for (let i = 0; i < payload.length; i += 65536) crypto.getRandomValues(payload.subarray(i, i + 65536));
  const bigPackage = Bun.zstdCompressSync(
    writeTar([
      ...base.map((e) => ({
        path: e.path.replace(/\/$/, ""),
        type: e.type === "dir" ? ("dir" as const) : ("file" as const),
        mode: e.mode,
        mtime: e.mtime,
        data: e.data,
      })),
      { path: "usr/share/bench/payload", type: "file", mode: 0o644, mtime: 0, data: payload },
    ]),
    { level: 1 },
  );
  // 64 MiB of log.
  const chunk = "make[2]: compiling a file with a long enough line of output to look real\n".repeat(13_000);
  for (let sent = 0; sent < 64 * MiB; sent += chunk.length)
    await api(
      `/api/v1/leases/${held.lease_id}/log`,
      { method: "POST", body: chunk, type: "text/plain" },
      workerToken,
    ).then((r) => r.arrayBuffer());

  let namespaceRun = 0;
  const heavy: Record<string, () => Promise<unknown>> = {
    "plan, 500 origins, with makedepends": () =>
      api(
        "/api/v1/plan",
        { method: "POST", body: JSON.stringify({ origin_changesets: origins, include: ["makedepends"] }) },
        null,
      ).then((r) => r.arrayBuffer()),
    "new namespace, 500 origins (graph computed after)": async () => {
      const name = `big${namespaceRun++}`;
      await api("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ origin_changesets: origins, name }) });
      // The list, not the namespace's own answer: that one carries every node, and is measured on its own below.
      await waitUntil("the iteration", async () => {
        const list = (await (await api("/api/v1/namespaces")).json()) as {
          namespaces: { name: string; latest_iteration: unknown }[];
        };
        return list.namespaces.some((n) => n.name === name && n.latest_iteration !== null);
      });
    },
    "upload, 128 MiB package": () =>
      fetch(`${url}/api/v1/leases/${held.lease_id}/files/${fileName}`, {
        method: "PUT",
        body: bigPackage as unknown as BodyInit,
        headers: { authorization: `Bearer ${workerToken}` },
      }).then(async (r) => {
        if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`);
      }),
    "read a 64 MiB log (log.txt)": () => fetch(`${url}/builds/${held.build_id}/log.txt`).then((r) => r.arrayBuffer()),
    "search a namespace page": () => fetch(`${url}/namespaces/big0?q=lib`).then((r) => r.arrayBuffer()),
    "namespace API answer with every node": () => api("/api/v1/namespaces/big0").then((r) => r.arrayBuffer()),
  };

  console.log(`cores: ${cpus().length}; universe: ${entries.size} pkgbases; ${runs} runs per request`);
  console.log("request | slowest /healthz (median of runs) | request time (median) ");
  for (const [what, run] of Object.entries(heavy)) {
    const worst: number[] = [];
    const took: number[] = [];
    for (let i = 0; i < runs; i++) {
      let done = false;
      let slowest = 0;
      const probe = (async () => {
        while (!done) {
          const t = performance.now();
          await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
          slowest = Math.max(slowest, performance.now() - t);
          await Bun.sleep(10);
        }
      })();
      const t = performance.now();
      await run();
      took.push(performance.now() - t);
      done = true;
      await probe;
      worst.push(slowest);
    }
    console.log(`${what} | ${median(worst).toFixed(1)} ms | ${median(took).toFixed(0)} ms`);
  }
} finally {
  server.kill("SIGTERM");
  await server.exited;
  rmSync(data, { recursive: true, force: true });
}
