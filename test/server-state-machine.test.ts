// The build state machine and the HTTP error mapping, in process: the real app (createApp over the real
// deps, SQLite file, scheduler and use cases) driven by app.request, with the server's one clock moved by
// hand, so a lease expires when the test says so instead of after a real TTL. Process-level behaviour
// (workers, signals, real sockets) stays in the end-to-end tests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { z } from "zod";
import type { BuildNode, Lease, NamespaceDetail, Workers } from "../src/api/schemas";

type WorkerList = z.infer<typeof Workers>;

import { MAX_ATTEMPTS } from "../src/core/build-states";
import type { RunningServer } from "../src/server/serve";
import { expireLeases } from "../src/server/usecases/expire-leases";
import { createBotToken } from "../src/server/usecases/manage-tokens";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type Call, startInProcess } from "./support/in-process";
import { waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

const ADMIN = "state-machine-admin-token-0123456789";
const TTL_MS = 60_000;
let tmp: string;
let server: RunningServer;
let call: Call;
let workerToken: string;
const START = Date.parse("2026-01-01T00:00:00Z");
let clock = START;
let firstLease: Lease;

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-state-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  makeRepo(repos, "libpng", srcinfo({ pkgbase: "libpng", depends: ["zlib"] }));
  ({ server, call } = await startInProcess({
    dataDir: join(tmp, "data"),
    repos: repos,
    admin: ADMIN,
    now: () => clock,
    env: { BUILDBTW_LEASE_TTL_MS: String(TTL_MS) },
  }));
  workerToken = createBotToken(server.deps, { name: "w1", scopes: ["worker"], expiresAt: null }, "test").token;
});
afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

const nodes = async (name: string): Promise<BuildNode[]> => {
  const { body } = await call<NamespaceDetail>("GET", `/api/v1/namespaces/${name}`);
  return Object.values(body.iteration?.architectures ?? {}).flatMap((a) => a.nodes);
};
const node = async (name: string, pkgbase: string) => (await nodes(name)).find((n) => n.pkgbase === pkgbase)!;
const lease = async () => {
  const r = await call<Lease>("POST", "/api/v1/leases", {
    token: workerToken,
    // A long-poll: it answers as soon as the build is offered (the scheduler learns of it after the commit).
    body: { architectures: ["x86_64"], wait_ms: 20_000 },
  });
  expect(r.status).toBe(200);
  return r.body;
};
const expire = () => {
  clock += TTL_MS + 1;
  expireLeases(server.deps);
};

describe("the build state machine", () => {
  test("a lease schedules the build; the first heartbeat makes it building", async () => {
    expect((await call("POST", "/api/v1/namespaces", { body: { origin_changesets: ["zlib/main"] } })).status).toBe(201);
    await waitFor("the first iteration", async () => (await node("zlib", "zlib"))?.status === "pending");
    expect((await node("zlib", "libpng")).status).toBe("blocked");

    const l = await lease();
    firstLease = l;
    expect(l).toMatchObject({ pkgbase: "zlib", namespace: "zlib", ttl_ms: TTL_MS });
    expect(Date.parse(l.expires_at)).toBe(clock + TTL_MS);
    expect(await node("zlib", "zlib")).toMatchObject({ status: "scheduled", attempts: 1, worker: "w1" });

    clock += 1000;
    const beat = await call<{ expires_at: string }>("POST", `/api/v1/leases/${l.lease_id}/heartbeat`, {
      token: workerToken,
    });
    expect(beat.status).toBe(200);
    expect(Date.parse(beat.body.expires_at)).toBe(clock + TTL_MS);
    expect((await node("zlib", "zlib")).status).toBe("building");
  });

  test("an expired lease puts the build back to pending; the old lease's calls get 409", async () => {
    const before = await node("zlib", "zlib");
    expire();
    expect(await node("zlib", "zlib")).toMatchObject({ status: "pending", attempts: before.attempts });
    const beat = await call<{ error: string }>("POST", `/api/v1/leases/${firstLease.lease_id}/heartbeat`, {
      token: workerToken,
    });
    expect(beat.status).toBe(409);
    expect(beat.body.error.length).toBeGreaterThan(10);
  });

  test(`after ${MAX_ATTEMPTS} expired leases the build fails and says why; stale results are refused`, async () => {
    let last: Lease | undefined;
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      last = await lease();
      expect(await node("zlib", "zlib")).toMatchObject({ status: "scheduled", attempts: attempt });
      expire();
    }
    const failed = await node("zlib", "zlib");
    expect(failed.status).toBe("failed");
    expect(failed.failure_reason).toContain(`expired ${MAX_ATTEMPTS} times`);
    expect((await node("zlib", "libpng")).blocked_by).toContain("zlib");

    for (const [what, path, body] of [
      ["result", `/api/v1/leases/${last?.lease_id}/result`, { status: "built" }],
      ["heartbeat", `/api/v1/leases/${last?.lease_id}/heartbeat`, undefined],
    ] as const) {
      const r = await call<{ error: string }>("POST", path, { token: workerToken, body });
      expect({ what, status: r.status }).toEqual({ what, status: 409 });
      expect(r.body.error.length).toBeGreaterThan(10);
    }
    expect((await node("zlib", "zlib")).status).toBe("failed");
  });

  test("retrying the failed build makes it pending with its attempts reset; leased again, a failed result keeps its reason", async () => {
    const r = await call("POST", "/api/v1/namespaces/zlib/retry-node", { body: { pkgbase: "zlib" } });
    expect(r.status).toBe(200);
    expect(await node("zlib", "zlib")).toMatchObject({ status: "pending", attempts: 0, failure_reason: null });
    const l = await lease();
    expect(l.pkgbase).toBe("zlib");
    const failedResult = await call("POST", `/api/v1/leases/${l.lease_id}/result`, {
      token: workerToken,
      body: { status: "failed", reason: "makepkg exited with status 4" },
    });
    expect(failedResult.status).toBe(200);
    expect(await node("zlib", "zlib")).toMatchObject({
      status: "failed",
      failure_reason: "makepkg exited with status 4",
    });
  });
});

describe("one clock: the server's deps.now stamps what the database records", () => {
  const iso = () => new Date(clock).toISOString();
  const lastSeen = async () =>
    (await call<WorkerList>("GET", "/api/v1/workers")).body.workers.find((w) => w.name === "w1")?.last_seen;

  test("a worker's last_seen follows the injected clock on lease and heartbeat", async () => {
    clock += 3_600_000;
    expect((await call("POST", "/api/v1/namespaces/zlib/retry-node", { body: { pkgbase: "zlib" } })).status).toBe(200);
    const l = await lease();
    expect(await lastSeen()).toBe(iso());
    clock += 7_000;
    const beat = await call("POST", `/api/v1/leases/${l.lease_id}/heartbeat`, { token: workerToken });
    expect(beat.status).toBe(200);
    expect(await lastSeen()).toBe(iso());
  });

  test("the namespace and its first iteration were created at the injected clock's time", async () => {
    const { body } = await call<NamespaceDetail>("GET", "/api/v1/namespaces/zlib");
    expect({ namespace: body.namespace.created_at, iteration: body.iteration?.created_at }).toEqual({
      namespace: new Date(START).toISOString(),
      iteration: new Date(START).toISOString(),
    });
  });

  test("a namespace's updated_at follows the injected clock when it is cancelled and resumed", async () => {
    for (const status of ["cancelled", "active"] as const) {
      clock += 86_400_000;
      expect((await call("PATCH", "/api/v1/namespaces/zlib", { body: { status } })).status).toBe(200);
      const { body } = await call<NamespaceDetail>("GET", "/api/v1/namespaces/zlib");
      expect({ status: body.namespace.status, updated_at: body.namespace.updated_at }).toEqual({
        status,
        updated_at: iso(),
      });
    }
  });
});

describe("HTTP error mapping: typed errors by class, one sentence each", () => {
  test.each([
    ["a name that breaks Arch's rules", "GET", "/api/v1/namespaces/-bad", undefined, undefined, 400],
    ["an unknown namespace", "GET", "/api/v1/namespaces/nope", undefined, undefined, 404],
    ["a body that is not JSON", "POST", "/api/v1/namespaces", undefined, "{not json", 400],
    ["a body that fails the schema", "POST", "/api/v1/namespaces", { origin_changesets: "zlib" }, undefined, 400],
    ["a namespace that exists", "POST", "/api/v1/namespaces", { origin_changesets: ["zlib/main"] }, undefined, 409],
    ["an unknown endpoint", "GET", "/api/v1/nothing-here", undefined, undefined, 404],
  ] as const)("%s", async (_, method, path, body, raw, status) => {
    const r = await call<{ error: string }>(method, path, { body, raw });
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(/^\S.{5,}/);
    expect(r.body.error).not.toContain("    at ");
  });

  test("no token is 401 and a token without the scope 403, each with a sentence", async () => {
    const none = await call<{ error: string }>("POST", "/api/v1/leases", {
      token: null,
      body: { architectures: ["x86_64"] },
    });
    expect(none.status).toBe(401);
    const wrong = await call<{ error: string }>("POST", "/api/v1/namespaces", {
      token: workerToken,
      body: { origin_changesets: ["libpng/main"] },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.length).toBeGreaterThan(10);
  });
});
