// Issue 13: outgoing webhooks from a real `serve` to receivers started by the test: signed JSON events when a
// namespace finishes or fails and when a worker disappears (its lease expires); a receiver that fails gets
// retries, one that never answers holds nothing up; attempts are visible to the admin.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import type { Server, Subprocess } from "bun";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Received {
  headers: Record<string, string>;
  raw: string;
  body: {
    id: string;
    type: string;
    namespace?: { name: string; status: string; url: string };
    iteration?: { id: number; counts: Record<string, number> };
    failed?: { pkgbase: string; arch: string; reason: string }[];
    worker?: { name: string };
    reason?: string;
    build?: { pkgbase: string };
  };
}

const SECRET = "a-shared-webhook-secret-0123";
let tmp: string;
let server: ServerProcess;
let worker: Subprocess | undefined;
const good: Received[] = [];
const flaky: Received[] = [];
const receivers: Server<unknown>[] = [];

function receiver(into: Received[], answer: (r: Received) => Response | Promise<Response>): string {
  const s = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const raw = await req.text();
      const headers: Record<string, string> = {};
      req.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const r: Received = { headers, raw, body: JSON.parse(raw) };
      into.push(r);
      return answer(r);
    },
  });
  receivers.push(s);
  return `http://127.0.0.1:${s.port}/hook?key=not-for-logs`;
}

const signed = (r: Received) =>
  r.headers["x-buildbtw-signature-256"] === `sha256=${createHmac("sha256", SECRET).update(r.raw).digest("hex")}`;
const event = (list: Received[], type: string, match: (r: Received) => boolean = () => true) =>
  waitFor(`a ${type} event`, () => list.find((r) => r.body.type === type && match(r)));

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-webhooks-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  makeRepo(repos, "libpng", srcinfo({ pkgbase: "libpng", depends: ["zlib"] }));
  makeRepo(repos, "solo", srcinfo({ pkgbase: "solo" }));
  makeRepo(repos, "lonely", srcinfo({ pkgbase: "lonely" }));
  const goodUrl = receiver(good, () => new Response(null, { status: 204 }));
  // Fails the first two attempts of every delivery.
  const flakyUrl = receiver(flaky, (r) => {
    const tries = flaky.filter((x) => x.body.id === r.body.id).length;
    return new Response(tries <= 2 ? "not now" : "ok", { status: tries <= 2 ? 503 : 200 });
  });
  // Never answers: deliveries to it must not hold up anything else.
  const stuckUrl = receiver([], () => new Promise<Response>(() => {}));
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: {
      BUILDBTW_WEBHOOK_URLS: [goodUrl, flakyUrl, stuckUrl].join(","),
      BUILDBTW_WEBHOOK_SECRET: SECRET,
      BUILDBTW_WEBHOOK_RETRY_MS: "50",
      BUILDBTW_LEASE_TTL_MS: "1000",
      BUILDBTW_REF_CHECK_INTERVAL_MS: "600000",
    },
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  for (const r of receivers) await r.stop(true);
  removeDir(tmp);
});

const create = async (origin: string) =>
  expect(
    (await server.api("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ origin_changesets: [origin] }) }))
      .status,
  ).toBe(201);

describe("webhooks", () => {
  test("a namespace that finishes is announced, signed, to every receiver; a failing receiver gets retries", async () => {
    worker = startWorker({ server: server.url, token: await server.workerToken("w1"), workDir: join(tmp, "work") });
    await create("zlib/main");
    const finished = await event(good, "namespace.finished");
    expect(signed(finished)).toBe(true);
    expect(finished.headers["content-type"]).toBe("application/json");
    expect(finished.headers["x-buildbtw-event"]).toBe("namespace.finished");
    expect(finished.headers["x-buildbtw-delivery"]).toBe(finished.body.id);
    expect(finished.body.namespace).toMatchObject({ name: "zlib", status: "active" });
    expect(finished.body.namespace!.url).toBe(`${server.url}/namespaces/zlib`);
    expect(finished.body.iteration!.counts).toEqual({ built: 2 });
    // A wrong secret does not verify.
    expect(
      finished.headers["x-buildbtw-signature-256"] ===
        `sha256=${createHmac("sha256", "another-secret").update(finished.raw).digest("hex")}`,
    ).toBe(false);

    const attempts = await waitFor("the third attempt at the flaky receiver", () => {
      const mine = flaky.filter((r) => r.body.id === finished.body.id);
      return mine.length === 3 ? mine : undefined;
    });
    for (const a of attempts) {
      expect(a.raw).toBe(finished.raw);
      expect(signed(a)).toBe(true);
    }
    // The release check passes (the rebuild of libpng leaves nothing unmet): releasable follows.
    const releasable = await event(good, "namespace.releasable");
    expect(signed(releasable)).toBe(true);
    expect(releasable.body.namespace!.name).toBe("zlib");
    expect(releasable.body.iteration!.id).toBe(finished.body.iteration!.id);
    expect((releasable.body as { release_url?: string }).release_url).toBe(
      `${server.url}/api/v1/namespaces/zlib/release`,
    );
    worker.kill("SIGTERM");
    await worker.exited;
    worker = undefined;
  });

  test("a namespace whose build fails is announced with what failed", async () => {
    await create("solo/main");
    const token = await server.workerToken("hand");
    const lease = await server.api<{ lease_id: string; pkgbase: string }>("/api/v1/leases", {
      method: "POST",
      token,
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 30_000 }),
    });
    expect(lease.status).toBe(200);
    expect(lease.body.pkgbase).toBe("solo");
    const result = await server.api(`/api/v1/leases/${lease.body.lease_id}/result`, {
      method: "POST",
      token,
      body: JSON.stringify({ status: "failed", reason: "the test says so" }),
    });
    expect(result.status).toBe(200);
    const failed = await event(good, "namespace.failed");
    expect(signed(failed)).toBe(true);
    expect(failed.body.namespace!.name).toBe("solo");
    expect(failed.body.failed).toEqual([{ pkgbase: "solo", arch: "x86_64", reason: "the test says so" }]);
  });

  test("a worker that stops heartbeating is announced as lost when its lease expires", async () => {
    await create("lonely/main");
    const token = await server.workerToken("ghost");
    const lease = await server.api<{ pkgbase: string }>("/api/v1/leases", {
      method: "POST",
      token,
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 30_000 }),
    });
    expect(lease.body.pkgbase).toBe("lonely");
    // No heartbeat: the 1 s lease expires.
    const lost = await event(good, "worker.lost");
    expect(signed(lost)).toBe(true);
    expect(lost.body.worker!.name).toBe("ghost");
    expect(lost.body.reason).toContain("lease");
    expect(lost.body.build!.pkgbase).toBe("lonely");
  });

  test("the admin sees every attempt; URLs are shown without their query", async () => {
    expect((await server.api("/api/v1/webhooks/deliveries", { token: null })).status).toBe(401);
    const r = await server.api<{
      enabled: boolean;
      deliveries: { event: string; url: string; attempt: number; status: number | null; result: string }[];
    }>("/api/v1/webhooks/deliveries");
    expect(r.status).toBe(200);
    expect(r.body.enabled).toBe(true);
    const finished = r.body.deliveries.filter((d) => d.event === "namespace.finished");
    const toFlaky = finished.filter((d) => d.url === `http://127.0.0.1:${receivers[1]!.port}/hook`);
    expect(toFlaky.map((d) => [d.attempt, d.status, d.result]).reverse()).toEqual([
      [1, 503, "retry"],
      [2, 503, "retry"],
      [3, 200, "delivered"],
    ]);
    const toGood = finished.filter((d) => d.url === `http://127.0.0.1:${receivers[0]!.port}/hook`);
    expect(toGood.map((d) => d.result)).toEqual(["delivered"]);
    expect(JSON.stringify(r.body)).not.toContain("not-for-logs");
    expect(server.logs.join("\n")).not.toContain("not-for-logs");
  });
});
