// Issue 13: Prometheus metrics of a real `serve` while a real fake-driver worker builds a namespace.
// Counters and histograms must move with the builds; the output must parse as Prometheus' text format;
// /metrics needs the admin token on the main listener and is open on BUILDBTW_METRICS_LISTEN.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { freePort, type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4): every line is a HELP or TYPE
 * comment or a sample; every sample belongs to a declared family; histograms have cumulative buckets
 * ending in +Inf that equal their _count. Throws on the first line that breaks the format.
 */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const sampleLine = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (m) {
      if (m[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(m[3]!))
          throw new Error(`bad type: ${line}`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    if (line.startsWith("#")) throw new Error(`unknown comment: ${line}`);
    m = sampleLine.exec(line);
    if (!m) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
      let pos = 0;
      while (pos < m[2].length) {
        labelRe.lastIndex = pos;
        const l = labelRe.exec(m[2]);
        if (!l) throw new Error(`bad labels: ${line}`);
        labels[l[1]!] = l[2]!;
        pos = labelRe.lastIndex;
      }
    }
    const raw = m[3]!;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : raw === "NaN" ? Number.NaN : Number(raw);
    if (Number.isNaN(value) && raw !== "NaN") throw new Error(`bad value: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count|total|created)$/, "");
    if (!types.has(m[1]!) && !types.has(family)) throw new Error(`sample without a TYPE: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family} ${key}: buckets not cumulative`);
      }
      const inf = buckets.find((b) => b.labels.le === "+Inf");
      const count = samples.find((x) => x.name === `${family}_count` && JSON.stringify(x.labels) === key);
      if (!inf || !count || inf.value !== count.value) throw new Error(`${family} ${key}: +Inf bucket is not _count`);
    }
  }
  return { samples, types };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

let tmp: string;
let server: ServerProcess;
let metricsUrl: string;
let worker: Subprocess | undefined;

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-metrics-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  makeRepo(repos, "libpng", srcinfo({ pkgbase: "libpng", depends: ["zlib"] }));
  makeRepo(repos, "cairo", srcinfo({ pkgbase: "cairo", depends: ["libpng", "zlib"] }));
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_METRICS_LISTEN: `127.0.0.1:${port}`, BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
});

const scrape = async () => {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePrometheus(await res.text()).samples;
};

describe("metrics", () => {
  test("the main listener wants the admin token; the metrics listener is open", async () => {
    expect((await server.api("/metrics", { token: null })).status).toBe(401);
    const token = await server.workerToken("not-a-scraper");
    expect((await server.api("/metrics", { token })).status).toBe(403);
    const res = await server.api<string>("/metrics");
    expect(res.status).toBe(200);
    expect(() => parsePrometheus(res.body)).not.toThrow();
    expect((await fetch(metricsUrl.replace("/metrics", "/api/v1/ready"))).status).toBe(200);
  });

  test("counters and histograms move as a namespace builds", async () => {
    const before = await scrape();
    expect(value(before, "buildbtw_builds_finished_total")).toBe(0);
    expect(value(before, "buildbtw_lease_expiries_total", { outcome: "pending" })).toBe(0);
    expect(value(before, "buildbtw_disk_free_bytes")).toBeGreaterThan(0);

    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
    });
    expect(created.status).toBe(201);
    // Ready builds wait in the queue until a worker comes: depth and age show it.
    const queued = await waitFor("the first build to be ready", async () => {
      const s = await scrape();
      return value(s, "buildbtw_ready_queue_depth", { arch: "x86_64" }) === 1 ? s : undefined;
    });
    expect(value(queued, "buildbtw_builds", { status: "pending", arch: "x86_64" })).toBe(1);
    expect(value(queued, "buildbtw_builds", { status: "blocked", arch: "x86_64" })).toBe(2);
    await waitFor("the oldest ready age to grow", async () => {
      const s = await scrape();
      return value(s, "buildbtw_ready_oldest_age_seconds", { arch: "x86_64" }) > 0;
    });

    worker = startWorker({
      server: server.url,
      token: await server.workerToken("w1"),
      workDir: join(tmp, "work"),
      args: ["--concurrency", "2"],
    });
    const after = await waitFor("three builds to finish", async () => {
      const s = await scrape();
      return value(s, "buildbtw_builds_finished_total", { status: "built", arch: "x86_64" }) === 3 ? s : undefined;
    });
    expect(value(after, "buildbtw_builds", { status: "built", arch: "x86_64" })).toBe(3);
    expect(value(after, "buildbtw_dispatch_latency_seconds_count", { arch: "x86_64" })).toBe(3);
    expect(value(after, "buildbtw_build_duration_seconds_count", { status: "built", arch: "x86_64" })).toBe(3);
    expect(value(after, "buildbtw_uploads_total", { arch: "x86_64" })).toBe(3);
    expect(value(after, "buildbtw_upload_bytes_total", { arch: "x86_64" })).toBeGreaterThan(0);
    expect(value(after, "buildbtw_repo_database_rewrites_total", { which: "db" })).toBeGreaterThanOrEqual(1);
    expect(
      value(after, "buildbtw_http_requests_total", { method: "POST", route: "/api/v1/leases", status: "200" }),
    ).toBe(3);
    expect(
      value(after, "buildbtw_http_requests_total", {
        method: "PUT",
        route: "/api/v1/leases/:lease/files/:file",
        status: "201",
      }),
    ).toBe(3);
    expect(value(after, "buildbtw_http_request_duration_seconds_count", { route: "/api/v1/namespaces" })).toBe(1);
    // Both slots ask for work again once everything is built.
    await waitFor("two idle slots and none busy", async () => {
      const s = await scrape();
      return (
        value(s, "buildbtw_worker_slots", { state: "idle" }) === 2 &&
        value(s, "buildbtw_worker_slots", { state: "busy" }) === 0
      );
    });
  });

  test("the worker logs one greppable summary line per build", async () => {
    worker!.kill("SIGTERM");
    await worker!.exited;
    const lines = (await new Response(worker!.stderr as ReadableStream).text())
      .split("\n")
      .filter((l) => l.includes("build summary: "));
    expect(lines).toHaveLength(3);
    for (const pkgbase of ["zlib", "libpng", "cairo"]) {
      const line = lines.find((l) => l.includes(` ${pkgbase} x86_64 `));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ outcome: "built", pkgbase, arch: "x86_64", files: 1, summary: true });
      expect(JSON.parse(line!).msg).toMatch(
        /^build summary: built zlib\/\d+ \S+ x86_64 attempt 1 in [\d.]+s, fake build/,
      );
    }
  });
});
