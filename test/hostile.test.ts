// The hostile-input suite: fast-check generates requests over the server's own route table (read from
// createApp), with random and adversarial paths, ids, queries, headers, bodies and tokens. Whatever it
// sends: no 5xx, the server stays up and answers /healthz, and its memory stays bounded.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import fc from "fast-check";
import { createApp } from "../src/server/app";
import type { ServerDeps } from "../src/server/deps";
import { Lifecycle } from "../src/server/lifecycle";
import { peakRss } from "./support/bombs";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

const MiB = 1024 ** 2;

/** The routes createApp mounts (method and path pattern); building the app needs no working collaborators. */
function routeTable(): { method: string; path: string }[] {
  const inert: unknown = new Proxy(() => inert, {
    get: (_t, p) => (p === "then" ? undefined : inert),
    apply: () => inert,
  });
  const deps = new Proxy(
    {
      config: {
        maxUploadBytes: 1,
        dataDir: "/nonexistent",
        baseUrl: "http://localhost",
        ui: { commitUrlTemplate: null },
      },
      lifecycle: new Lifecycle(),
    },
    { get: (t, p) => (p in t ? t[p as keyof typeof t] : inert) },
  ) as unknown as ServerDeps;
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of createApp(deps).routes) {
    if (r.method === "ALL" || r.path.endsWith("*")) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

let tmp: string;
let server: ServerProcess;
let workerToken: string;
let leaseId: string;
let buildId: number;

beforeAll(async () => {
  tmp = makeTempDir();
  const repos = join(tmp, "repos");
  makeRepo(repos, "solo", srcinfo({ pkgbase: "solo" }));
  makeRepo(repos, "other", srcinfo({ pkgbase: "other", depends: ["solo"] }));
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: {
      BUILDBTW_LEASE_TTL_MS: "600000",
      BUILDBTW_REF_CHECK_INTERVAL_MS: "600000",
      BUILDBTW_MAX_UPLOAD_BYTES: String(8 * MiB),
    },
  });
  workerToken = await server.workerToken("hostile");
  await server.api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: ["solo/main"] }),
  });
  const lease = await waitFor("a lease", async () => {
    const r = await server.api<{ lease_id: string; build_id: number }>("/api/v1/leases", {
      method: "POST",
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 2000 }),
      token: workerToken,
    });
    return r.status === 200 ? r.body : undefined;
  });
  leaseId = lease.lease_id;
  buildId = lease.build_id;
});
afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

const adversarialText = fc.oneof(
  fc.constantFrom("0x1", "1e0", "+1", "00001", "-1", "0", "1.5", "..", "%2e%2e", "%00", "%", "%zz", "latest", " ", ""),
  fc.constantFrom("a".repeat(5000), "../../../etc/passwd", "solo/../../x", "x86_64", "solo", "any", "\u{1F4A3}", "é"),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.nat().map(String),
);

test("random and adversarial requests over every route: no 5xx, the server up, memory bounded", async () => {
  const routes = routeTable();
  expect(routes.length).toBeGreaterThan(40);
  const known = () => ({
    name: "solo",
    namespace: "solo",
    lease: leaseId,
    build: String(buildId),
    id: String(buildId),
    iteration: "1",
    arch: "x86_64",
    depth: "0",
    file: "solo-1.0.0-1-x86_64.pkg.tar.zst",
  });
  const request = fc.record({
    route: fc.constantFrom(...routes),
    method: fc.oneof(fc.constant(null), fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")),
    params: fc.dictionary(
      fc.constantFrom("name", "namespace", "lease", "build", "id", "iteration", "arch", "depth", "file"),
      fc.oneof(fc.constant(null), adversarialText),
      { maxKeys: 4 },
    ),
    encode: fc.boolean(),
    query: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom("iteration", "offset", "all", "arch", "status", "q", "page", "since", "next", "v"),
          fc.string({ maxLength: 8 }),
        ),
        adversarialText,
      ),
      { maxLength: 3 },
    ),
    token: fc.constantFrom("none", "admin", "worker", "garbage"),
    contentType: fc.constantFrom(
      null,
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
      "multipart/form-data; boundary=xx",
      "text/plain",
      "application/octet-stream",
    ),
    body: fc.oneof(
      fc.constant(null),
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 2048 }),
      fc.constantFrom(
        '{"origin_changesets":["solo/main"]}',
        '{"architectures":["x86_64"],"wait_ms":0}',
        '{"status":"built"}',
        '--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nb',
        "x".repeat(200_000),
      ),
    ),
    range: fc.oneof(
      fc.constant(null),
      fc.constantFrom(
        "bytes=0-1",
        "bytes=-5",
        "bytes=5-1",
        "bytes=x",
        "bytes=0-1,2-3",
        "items=1-2",
        "bytes=99999999999999999999-",
      ),
    ),
  });
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const values = {
        ...known(),
        ...Object.fromEntries(Object.entries(r.params).filter(([, v]) => v !== null)),
      } as Record<string, string>;
      const path = r.route.path.replace(/:([a-z]+)/g, (_, key: string) =>
        r.encode ? encodeURIComponent(values[key] ?? "x") : (values[key] ?? "x"),
      );
      const query = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
      const headers: Record<string, string> = {};
      const token = { none: null, admin: server.adminToken, worker: workerToken, garbage: "buildbtw_garbage" }[r.token];
      if (token) headers.authorization = `Bearer ${token}`;
      if (r.contentType) headers["content-type"] = r.contentType;
      if (r.range) headers.range = r.range;
      const method = r.method ?? r.route.method;
      const body = method === "GET" || method === "HEAD" || r.body === null ? undefined : r.body;
      const url = `${server.url}${path}${query ? `?${query}` : ""}`;
      let status: number;
      try {
        const res = await fetch(url, {
          method,
          headers,
          body: body as BodyInit | undefined,
          redirect: "manual",
          signal: AbortSignal.timeout(30_000),
        });
        status = res.status;
        await res.body?.cancel();
      } catch (error) {
        // fetch refuses some URLs and methods itself (it never reached the server); anything else is a failure.
        if (error instanceof TypeError && /invalid|URL|method/i.test(String(error))) return;
        throw error;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) failures.push(`${method} ${url.slice(0, 200)} → ${status}`);
      return status < 500;
    }),
    { numRuns: 1500, seed: Number(process.env.FC_SEED ?? Date.now() % 1_000_000) },
  );
  expect(failures).toEqual([]);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const peak = await peakRss(server.proc.pid);
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(
    `hostile suite: ${routes.length} routes, ${answered} requests answered (${[...statuses]
      .sort()
      .map(([s, n]) => `${s}×${n}`)
      .join(" ")}), server peak RSS ${Math.round(peak / MiB)} MiB`,
  );
  // Most requests must reach the server (fetch refuses only a few malformed URLs itself).
  expect(answered).toBeGreaterThan(1000);
  expect(peak).toBeLessThan(512 * MiB);
  expect(server.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
}, 600_000);
