// The use cases that routes and loops reach the database through, in process over the real deps (SQLite file,
// scheduler, clock moved by hand): what each decides, and the HTTP answers of the routes built on them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { BuildNode, Lease, NamespaceDetail } from "../src/api/schemas";
import type { GitlabConfig } from "../src/config/server";
import { Invalid, NotFound } from "../src/core/errors";
import { getBuild } from "../src/db/builds";
import { findNamespace } from "../src/db/namespaces";
import type { RunningServer } from "../src/server/serve";
import { silentWorkers } from "../src/server/usecases/announce-worker-lost";
import { readAudit, recordAudit } from "../src/server/usecases/audit-log";
import { authenticateSession } from "../src/server/usecases/authenticate";
import { moveBuild } from "../src/server/usecases/build-lifecycle";
import { checkInWorker } from "../src/server/usecases/check-in-worker";
import { estimateFinish } from "../src/server/usecases/estimate-finish";
import { failedBuilds, iterationOutcome } from "../src/server/usecases/iteration-outcome";
import { isPublished, locateRepository } from "../src/server/usecases/locate-repository";
import { endSession, keepRefreshToken, startSession } from "../src/server/usecases/manage-sessions";
import { createBotToken } from "../src/server/usecases/manage-tokens";
import { roomForPipeline } from "../src/server/usecases/open-pipelines";
import { pruneIdentity } from "../src/server/usecases/prune-identity";
import { signIn } from "../src/server/usecases/sign-in";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type Call, type InProcessServer, startInProcess } from "./support/in-process";
import { waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

const ADMIN = "usecases-admin-token-0123456789abcdef";
const DAY = 86_400_000;
let tmp: string;
let server: RunningServer;
let call: Call;
let app: InProcessServer["app"];
let workerToken: string;
// Starts at the real time: rows the database stamps itself (a worker's last sighting, audit rows) compare with it.
let clock = Date.now();

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-usecases-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  makeRepo(repos, "libpng", srcinfo({ pkgbase: "libpng", depends: ["zlib"] }));
  ({ server, call, app } = await startInProcess({
    dataDir: join(tmp, "data"),
    repos: repos,
    admin: ADMIN,
    now: () => clock,
    env: { BUILDBTW_AUDIT_RETENTION_DAYS: "30" },
  }));
  workerToken = createBotToken(server.deps, { name: "w1", scopes: ["worker"], expiresAt: null }, "test").token;
});
afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

const detail = async (name: string) => (await call<NamespaceDetail>("GET", `/api/v1/namespaces/${name}`)).body;
const nodes = async (name: string): Promise<BuildNode[]> =>
  Object.values((await detail(name)).iteration?.architectures ?? {}).flatMap((a) => a.nodes);
const node = async (name: string, pkgbase: string) => (await nodes(name)).find((n) => n.pkgbase === pkgbase);
const ids = async (name: string) => ({
  namespace: findNamespace(server.deps.db, name)!,
  iteration: (await detail(name)).iteration!.id,
});

describe("an iteration's outcome, as the webhooks announce it", () => {
  test("a running iteration has none; one whose build failed and whose dependent is blocked has failed", async () => {
    const created = await call("POST", "/api/v1/namespaces", { body: { origin_changesets: ["zlib/main"] } });
    expect(created.status).toBe(201);
    await waitFor("zlib pending", async () => (await node("zlib", "zlib"))?.status === "pending");
    const { namespace, iteration } = await ids("zlib");
    expect(iterationOutcome(server.deps, namespace.id, iteration)).toBeNull();

    const lease = await call<Lease>("POST", "/api/v1/leases", {
      token: workerToken,
      body: { architectures: ["x86_64"], wait_ms: 20_000 },
    });
    expect(lease.status).toBe(200);
    expect(lease.body.pkgbase).toBe("zlib");
    const result = await call("POST", `/api/v1/leases/${lease.body.lease_id}/result`, {
      token: workerToken,
      body: { status: "failed", reason: "makepkg exited with status 4" },
    });
    expect(result.status).toBe(200);

    const outcome = iterationOutcome(server.deps, namespace.id, iteration);
    expect(outcome).toMatchObject({ type: "namespace.failed", namespace: { name: "zlib" } });
    expect(outcome?.counts).toMatchObject({ failed: 1, blocked: 1 });
    expect(failedBuilds(server.deps, iteration, 50)).toEqual([
      { pkgbase: "zlib", arch: "x86_64", reason: "makepkg exited with status 4" },
    ]);
    expect(failedBuilds(server.deps, iteration, 0)).toEqual([]);
  });

  test("an iteration that is no longer the latest has no outcome", async () => {
    const before = await ids("zlib");
    expect((await call("POST", "/api/v1/namespaces/zlib/iterations")).status).toBe(201);
    await waitFor("a new iteration", async () => (await detail("zlib")).iteration?.id !== before.iteration);
    expect(iterationOutcome(server.deps, before.namespace.id, before.iteration)).toBeNull();
  });
});

describe("workers", () => {
  test("only a bot token checks in as a worker, named after the token", () => {
    expect(() => checkInWorker(server.deps, { kind: "bootstrap" })).toThrow(Invalid);
    const w = checkInWorker(server.deps, { kind: "bot", tokenId: 1, name: "w2", scopes: ["worker"] });
    expect(w.name).toBe("w2");
    expect(checkInWorker(server.deps, { kind: "bot", tokenId: 1, name: "w2", scopes: ["worker"] }).id).toBe(w.id);
  });

  test("a worker seen once and silent since is listed after the threshold; one never seen is not", () => {
    // w1 asked for work above; w2 was only checked in.
    expect(silentWorkers(server.deps, 60_000).map((w) => w.name)).toEqual([]);
    // At least ten minutes after the real time of w1's last call, whichever clock stamped it.
    clock = Math.max(clock, Date.now()) + 10 * 60_000;
    const silent = silentWorkers(server.deps, 60_000);
    expect(silent.map((w) => w.name)).toEqual(["w1"]);
    expect(silent[0]!.silentMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(silentWorkers(server.deps, silent[0]!.silentMs + 1)).toEqual([]);
  });
});

describe("pacman repositories", () => {
  test("latest and an iteration id name the same directory; unknown names and iterations are 404 with a sentence", async () => {
    const { iteration } = await ids("zlib");
    const latest = locateRepository(server.deps, "zlib", "latest", "x86_64");
    expect(latest).toMatchObject({ namespace: "zlib", iterationId: iteration, arch: "x86_64", planned: true });
    expect(locateRepository(server.deps, "zlib", iteration, "x86_64").dir).toBe(latest.dir);
    expect(locateRepository(server.deps, "zlib", iteration, "aarch64").planned).toBe(false);
    expect(() => locateRepository(server.deps, "nope", "latest", "x86_64")).toThrow(NotFound);
    expect(() => locateRepository(server.deps, "zlib", 999_999, "x86_64")).toThrow("has no iteration 999999");
    // Nothing was built: no package is published, whatever lies in the directory.
    expect(isPublished(server.deps, latest, "zlib-1-1-x86_64.pkg.tar.zst")).toBe(false);

    const listing = await call("GET", "/repo/zlib/latest/os/x86_64/");
    expect(listing.status).toBe(200);
    expect(listing.text.split("\n")).toContain("buildbtw-zlib.db");
    for (const [path, status] of [
      ["/repo/nope/latest/os/x86_64/", 404],
      [`/repo/zlib/999999/os/x86_64/`, 404],
      ["/repo/zlib/newest/os/x86_64/", 400],
      ["/repo/zlib/latest/os/x86_64/zlib-1-1-x86_64.pkg.tar.zst", 404],
    ] as const) {
      const r = await call<{ error: string }>("GET", path);
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.body.error).toMatch(/^\S.{5,}/);
    }
  });
});

describe("sessions, the audit log and their upkeep", () => {
  test("a session is found by the id it hands out until it ends", () => {
    const { id, session } = startSession(server.deps, { userId: null, refreshToken: null, days: 7 });
    // The table keeps only a hash of the id.
    expect(JSON.stringify(server.deps.db.$client.query("SELECT * FROM sessions").all())).not.toContain(id);
    expect(authenticateSession(server.deps, id)?.principal).toEqual({ kind: "bootstrap" });
    endSession(server.deps, session);
    expect(authenticateSession(server.deps, id)).toBeNull();
  });

  test("expired sessions and audit rows past retention are dropped; a CLI login's refresh token outlives a week", () => {
    const count = () => (server.deps.db.$client.query("SELECT count(*) AS n FROM sessions").get() as { n: number }).n;
    const sessionsBefore = count();
    const user = signIn(server.deps, { subject: "s-1", name: "alice", email: null, groups: [], refreshToken: null });
    const week = startSession(server.deps, { userId: user.id, refreshToken: null, days: 7 });
    keepRefreshToken(server.deps, user.id, null);
    expect(count()).toBe(sessionsBefore + 1);
    keepRefreshToken(server.deps, user.id, "refresh-token-1");
    expect(count()).toBe(sessionsBefore + 2);
    recordAudit(server.deps, {
      actor: "test",
      actorKind: "bot",
      action: "test.audit",
      target: "the upkeep",
      result: "ok",
      status: 200,
      remoteAddress: "127.0.0.1",
      detail: null,
    });
    expect(readAudit(server.deps, { limit: 5, actor: "test" }).map((e) => e.action)).toEqual(["test.audit"]);
    const auditRows = readAudit(server.deps, { limit: 1000 }).length;
    expect(auditRows).toBeGreaterThan(1);

    expect(pruneIdentity(server.deps)).toEqual({ audit: 0, sessions: 0 });
    clock += 8 * DAY;
    expect(pruneIdentity(server.deps)).toEqual({ audit: 0, sessions: 1 });
    expect(authenticateSession(server.deps, week.id)).toBeNull();
    expect(count()).toBe(sessionsBefore + 1);
    clock += 30 * DAY;
    expect(pruneIdentity(server.deps).audit).toBe(auditRows);
    expect(readAudit(server.deps, { limit: 1000 })).toEqual([]);
  });
});

test("a pipeline may be opened while fewer than maxPipelines are open", () => {
  const mode = (maxPipelines: number) => ({ config: { maxPipelines } as GitlabConfig });
  expect(roomForPipeline(server.deps, mode(1))).toBe(true);
  expect(roomForPipeline(server.deps, mode(0))).toBe(false);
});

/** A namespace of its own for one test. */
const create = async (name: string, origin: string) =>
  expect((await call("POST", "/api/v1/namespaces", { body: { name, origin_changesets: [origin] } })).status).toBe(201);

describe("the ETA", () => {
  test("follows statuses committed before their event is announced, instead of a cached answer", async () => {
    await create("eta", "zlib/main");
    await waitFor("eta's builds", async () => (await nodes("eta")).length === 2);
    const { namespace, iteration } = await ids("eta");
    const it = { id: iteration, namespaceId: namespace.id };
    expect(estimateFinish(server.deps, it, true)).toMatchObject({ builds_left: 2 });
    // Written through the one status writer, not yet announced: what a request sees between a transaction and
    // its event.
    const id = (await node("eta", "zlib"))!.id;
    moveBuild(server.deps, getBuild(server.deps.db, id)!, "leased", { attempts: 1 });
    moveBuild(server.deps, getBuild(server.deps.db, id)!, "succeeded");
    expect((await node("eta", "zlib"))!.status).toBe("built");
    expect(estimateFinish(server.deps, it, true)).toMatchObject({ builds_left: 1 });
    expect((await call("PATCH", "/api/v1/namespaces/eta", { body: { status: "cancelled" } })).status).toBe(200);
  });
});

describe("answers cached per namespace", () => {
  test("the namespace list's counts follow a status the moment it is written, before its event", async () => {
    await create("touched", "libpng/main");
    await waitFor("touched's build", async () => (await node("touched", "libpng"))?.status === "pending");
    const counts = async () =>
      (
        await call<{ namespaces: { name: string; counts: Record<string, number> }[] }>("GET", "/api/v1/namespaces")
      ).body.namespaces.find((n) => n.name === "touched")?.counts;
    expect(await counts()).toMatchObject({ pending: 1 });
    const build = getBuild(server.deps.db, (await node("touched", "libpng"))!.id)!;
    // Written through the one status writer, not yet announced (as between a transaction and its event).
    moveBuild(server.deps, build, "leased", { leaseId: "touch-test", attempts: 1 });
    expect(await counts()).toMatchObject({ scheduled: 1 });
    expect((await call("PATCH", "/api/v1/namespaces/touched", { body: { status: "cancelled" } })).status).toBe(200);
  });
});

describe("a namespace's answer", () => {
  test("is one moment's state for a small iteration: its counts, ETA and nodes agree although a status is written while it is sent", async () => {
    await create("snapshot", "libpng/main");
    await waitFor("snapshot's build", async () => (await node("snapshot", "libpng"))?.status === "pending");
    const id = (await node("snapshot", "libpng"))!.id;
    const answer = await app.request("http://buildbtw.test/api/v1/namespaces/snapshot", {
      headers: { authorization: `Bearer ${ADMIN}`, host: "buildbtw.test" },
    });
    expect(answer.status).toBe(200);
    // Written after the answer began, before its body is read.
    moveBuild(server.deps, getBuild(server.deps.db, id)!, "leased", { leaseId: "snapshot-test", attempts: 1 });
    const body = (await answer.json()) as NamespaceDetail;
    const arch = body.iteration!.architectures.x86_64!;
    expect(arch.counts).toEqual({ pending: 1 });
    expect(arch.nodes.map((n) => n.status)).toEqual(["pending"]);
    expect(body.iteration!.eta).toMatchObject({ builds_left: 1 });
    expect((await call("PATCH", "/api/v1/namespaces/snapshot", { body: { status: "cancelled" } })).status).toBe(200);
  });
});
