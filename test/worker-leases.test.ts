// The worker mode in-process (runWorker with the real client and the fake driver) against a fake
// server speaking the lease routes over real HTTP.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Forbidden } from "../src/core/errors";
import type { Driver } from "../src/drivers/driver";
import { createFakeDriver } from "../src/drivers/fake";
import { buildPackage } from "../src/pacman";
import { FAILED_MARKER } from "../src/worker/build-dirs";
import type { WorkerSettings } from "../src/worker/run-worker";
import { waitFor } from "./support/processes";
import {
  type Event,
  type FakeServerOptions,
  makeLease,
  type RunningWorker,
  readPkginfo,
  startWorker,
  stopWorkers,
} from "./worker-fake-server";

let workRoot: string;

beforeEach(() => {
  workRoot = mkdtempSync(join(tmpdir(), "worker-test-"));
});
afterEach(async () => {
  await stopWorkers();
  rmSync(workRoot, { recursive: true, force: true });
});

/** A fake server and a worker against it (the fake driver unless told otherwise), logs captured. */
function start(
  options: {
    server?: FakeServerOptions;
    settings?: Partial<WorkerSettings>;
    driver?: Driver;
    fakeDelayMs?: number;
    token?: string;
  } = {},
): RunningWorker {
  const driver = options.driver ?? createFakeDriver({ buildPackage, delayMs: options.fakeDelayMs ?? 0 });
  return startWorker({ ...options, driver, workDir: join(workRoot, "work") });
}

const of = (events: Event[], leaseId: string) => events.filter((e) => "leaseId" in e && e.leaseId === leaseId);
const resultOf = (events: Event[], leaseId: string) =>
  events.find((e): e is Extract<Event, { kind: "result" }> => e.kind === "result" && e.leaseId === leaseId);

describe("worker against the lease routes", () => {
  test("lease → heartbeat → log → upload → result, with valid packages and work dirs removed", async () => {
    const { server, logs, workDir } = start();
    const lease = makeLease("zlib", { pkgnames: ["zlib", "minizip"] });
    server.offer(lease);
    const result = await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(result).toMatchObject({ status: "built", answer: 200 });

    const kinds = of(server.events, lease.lease_id).map((e) => e.kind);
    const first = (k: Event["kind"]) => kinds.indexOf(k);
    expect(first("lease")).toBe(0);
    expect(first("heartbeat")).toBe(1);
    expect(first("log")).toBeGreaterThan(first("heartbeat"));
    expect(first("file")).toBeGreaterThan(first("log"));
    expect(kinds.lastIndexOf("log")).toBeLessThan(first("file"));
    expect(kinds.at(-1)).toBe("result");

    const files = of(server.events, lease.lease_id).filter((e) => e.kind === "file");
    expect(files.map((f) => f.name)).toEqual(lease.expected_files);
    for (const [i, file] of files.entries()) {
      const pkg = lease.packages[i] as (typeof lease.packages)[number];
      expect(readPkginfo(file.bytes)).toMatchObject({
        pkgname: [pkg.pkgname],
        pkgbase: ["zlib"],
        pkgver: ["1.0-1"],
        arch: ["x86_64"],
        depend: ["glibc"],
        provides: [`lib${pkg.pkgname}.so=1-64`],
      });
    }

    const log = of(server.events, lease.lease_id)
      .map((e) => (e.kind === "log" ? e.text : ""))
      .join("");
    expect(log).toContain("building rebuild-1/1 zlib (x86_64)");
    expect(log).toContain("minizip-1.0-1-x86_64.pkg.tar.zst");

    // The worker logs "built" after the server has answered the result: wait for it, don't race it.
    const built = await waitFor(
      "the worker's built log line",
      () => logs.find((l) => l.fields.lease_id === lease.lease_id && l.msg.startsWith("built ")),
      10_000,
      5,
    );
    const lines = logs.filter((l) => l.fields.lease_id === lease.lease_id);
    expect(lines.map((l) => l.msg)).toContain("leased rebuild-1/1 zlib (x86_64)");
    expect(built.fields).toMatchObject({
      namespace: "rebuild-1",
      iteration: 1,
      pkgbase: "zlib",
      status: "built",
    });
    await waitFor("the work dir to be removed", () => readdirSync(workDir).length === 0, 10_000, 5);
  });

  test("a server briefly answering 503 loses no build", async () => {
    const { server } = start({ fakeDelayMs: 300 });
    const lease = makeLease("openssl");
    server.offer(lease);
    await waitFor(
      "the first heartbeat",
      () => of(server.events, lease.lease_id).some((e) => e.kind === "heartbeat"),
      10_000,
      5,
    );
    server.setDown(true);
    await waitFor("several 503s", () => server.events.filter((e) => e.kind === "unavailable").length >= 4, 10_000, 5);
    server.setDown(false);
    const result = await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(result.status).toBe("built");
    expect(of(server.events, lease.lease_id).filter((e) => e.kind === "file" && e.answer === 201)).toHaveLength(1);
  });

  test("a server that is gone for a while (connection refused) loses no build", async () => {
    const { server, logs } = start({ fakeDelayMs: 200 });
    const lease = makeLease("curl");
    server.offer(lease);
    await waitFor(
      "the first heartbeat",
      () => of(server.events, lease.lease_id).some((e) => e.kind === "heartbeat"),
      10_000,
      5,
    );
    await server.offline();
    await waitFor(
      "a retry after connection refused",
      () => logs.some((l) => l.msg.includes(`cannot reach the buildbtw server at ${server.url}: connection refused`)),
      10_000,
      5,
    );
    server.online();
    const result = await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(result.status).toBe("built");
  });

  test("409 on a heartbeat aborts the build and reports nothing", async () => {
    const { server, stop, done, logs, workDir } = start({
      fakeDelayMs: 30_000,
      server: { onHeartbeat: (_, count) => (count >= 2 ? "conflict" : "ok") },
    });
    const lease = makeLease("python", { ttl_ms: 300 });
    server.offer(lease);
    const dropped = await waitFor(
      "the lease to be dropped",
      () => logs.find((l) => l.msg.startsWith("dropped lease")),
      10_000,
      5,
    );
    expect(dropped.fields).toMatchObject({ namespace: "rebuild-1", iteration: 1, pkgbase: "python" });
    expect(dropped.msg).toContain("no longer current");
    stop.abort();
    await done;
    const kinds = of(server.events, lease.lease_id).map((e) => e.kind);
    expect(kinds).not.toContain("file");
    expect(kinds).not.toContain("result");
    expect(readdirSync(workDir)).toEqual([]);
  });

  test("a heartbeat refused because the result just ended the lease neither drops the report nor the kept directory", async () => {
    // The result is answered only once a heartbeat has arrived after it (and been refused, the lease being over).
    let heartbeatAfterResult: () => void = () => {};
    const crossed = new Promise<void>((resolve) => (heartbeatAfterResult = resolve));
    const failing: Driver = { name: "failing", build: async () => ({ status: "failed", reason: "compiler error" }) };
    const { server, logs, workDir } = start({
      driver: failing,
      settings: { keepFailedMs: 3_600_000 },
      server: {
        holdResult: async () => {
          // Without a heartbeat in flight the result is answered after a short while all the same.
          await Promise.race([crossed, Bun.sleep(2_000)]);
        },
      },
    });
    const lease = makeLease("racy", { ttl_ms: 150 });
    server.offer(lease);
    await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    // A heartbeat sent while the result is held is what the worker must shrug off; none is sent after.
    const resultAt = server.events.findIndex((e) => e.kind === "result");
    await Bun.sleep(400);
    heartbeatAfterResult();
    const reported = await waitFor(
      "the report",
      () => logs.find((l) => l.msg.startsWith("failed rebuild-1/1 racy")),
      10_000,
      5,
    );
    expect(reported.fields).toMatchObject({ status: "failed", reason: "compiler error" });
    expect(logs.some((l) => l.msg.startsWith("dropped lease"))).toBe(false);
    expect(server.events.slice(resultAt).filter((e) => e.kind === "heartbeat")).toEqual([]);
    const kept = await waitFor("the kept directory", () => {
      const dirs = readdirSync(workDir).filter((n) => n.startsWith("build-"));
      return dirs.length === 1 && existsSync(join(workDir, dirs[0]!, FAILED_MARKER)) ? dirs : undefined;
    });
    expect(kept).toHaveLength(1);
  });

  test("a heartbeat answering cancelled stops the build without a result", async () => {
    const { server, stop, done, logs } = start({
      fakeDelayMs: 30_000,
      server: { onHeartbeat: (_, count) => (count >= 2 ? "cancel" : "ok") },
    });
    const lease = makeLease("glib2", { ttl_ms: 300 });
    server.offer(lease);
    await waitFor(
      "the drop",
      () => logs.find((l) => l.msg.startsWith("dropped lease") && l.msg.includes("cancelled")),
      10_000,
      5,
    );
    stop.abort();
    await done;
    expect(resultOf(server.events, lease.lease_id)).toBeUndefined();
  });

  test("a result refused as stale is dropped with a log line", async () => {
    const { server, logs } = start({ fakeDelayMs: 200 });
    const lease = makeLease("bash");
    server.offer(lease);
    await waitFor(
      "the first heartbeat",
      () => of(server.events, lease.lease_id).some((e) => e.kind === "heartbeat"),
      10_000,
      5,
    );
    server.markStale(lease.lease_id);
    await waitFor("the drop", () => logs.find((l) => l.msg.startsWith("dropped lease of rebuild-1/1 bash")), 10_000, 5);
    expect(of(server.events, lease.lease_id).some((e) => e.kind === "result" && e.answer === 200)).toBe(false);
  });

  test("an upload the server refuses fails the build with the server's sentence", async () => {
    const { server } = start({ server: { refuseFile: () => ".PKGINFO says pkgver 2.0-1, the build expects 1.0-1" } });
    const lease = makeLease("gcc");
    server.offer(lease);
    const result = await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(result).toMatchObject({
      status: "failed",
      reason: `the server refused gcc-1.0-1-x86_64.pkg.tar.zst: .PKGINFO says pkgver 2.0-1, the build expects 1.0-1`,
    });
  });

  test("a build that misses an expected file fails, naming it", async () => {
    const { server } = start();
    const lease = makeLease("krb5");
    server.offer({ ...lease, expected_files: [...lease.expected_files, "krb5-docs-1.0-1-any.pkg.tar.zst"] });
    const result = await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(result).toMatchObject({
      status: "failed",
      reason: "the build did not produce krb5-docs-1.0-1-any.pkg.tar.zst",
    });
    expect(of(server.events, lease.lease_id).some((e) => e.kind === "file")).toBe(false);
  });

  test("a driver that throws fails the build with its message", async () => {
    const driver: Driver = {
      name: "broken",
      build: async (_job, ctx) => {
        ctx.log("about to break\n");
        throw new Error("disk full");
      },
    };
    const { server } = start({ driver });
    const lease = makeLease("llvm");
    server.offer(lease);
    const result = await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(result).toMatchObject({ status: "failed", reason: "the broken driver failed: disk full" });
    const log = of(server.events, lease.lease_id)
      .map((e) => (e.kind === "log" ? e.text : ""))
      .join("");
    expect(log).toContain("about to break\n");
    expect(log).toContain("build failed: the broken driver failed: disk full");
  });

  test("--concurrency 2 holds two leases at once", async () => {
    const { server } = start({ fakeDelayMs: 400, settings: { concurrency: 2 } });
    const a = makeLease("a-pkg");
    const b = makeLease("b-pkg");
    server.offer(a);
    server.offer(b);
    await waitFor(
      "both results",
      () => resultOf(server.events, a.lease_id) && resultOf(server.events, b.lease_id),
      10_000,
      5,
    );
    const order = server.events.filter((e) => e.kind === "lease" || e.kind === "result").map((e) => e.kind);
    expect(order).toEqual(["lease", "lease", "result", "result"]);
  });

  test("only leases for the worker's architectures", async () => {
    const { server } = start({ settings: { architectures: ["aarch64"] } });
    const x86 = makeLease("zstd");
    const arm = makeLease("zstd", { arch: "aarch64", lease_id: "arm-lease" });
    server.offer(x86);
    server.offer(arm);
    await waitFor("the aarch64 result", () => resultOf(server.events, arm.lease_id), 10_000, 5);
    expect(of(server.events, x86.lease_id)).toEqual([]);
  });

  test("stopping finishes the build in progress, reports it, and takes no new lease", async () => {
    const { server, stop, done } = start({ fakeDelayMs: 300 });
    const lease = makeLease("perl");
    server.offer(lease);
    await waitFor(
      "the build to start",
      () => of(server.events, lease.lease_id).some((e) => e.kind === "heartbeat"),
      10_000,
      5,
    );
    stop.abort();
    const later = makeLease("ruby");
    server.offer(later);
    await done;
    expect(resultOf(server.events, lease.lease_id)?.status).toBe("built");
    expect(of(server.events, later.lease_id)).toEqual([]);
  });

  test("abandoning stops the build at once without a result", async () => {
    const { server, stop, abandon, done, logs } = start({ fakeDelayMs: 30_000 });
    const lease = makeLease("qt6-base");
    server.offer(lease);
    await waitFor(
      "the build to start",
      () => of(server.events, lease.lease_id).some((e) => e.kind === "heartbeat"),
      10_000,
      5,
    );
    stop.abort();
    abandon.abort();
    await done;
    expect(resultOf(server.events, lease.lease_id)).toBeUndefined();
    expect(logs.some((l) => l.msg.includes("shutting down"))).toBe(true);
  });

  test("a token the server refuses stops the worker with the server's sentence", async () => {
    const { done } = start({ token: "wrong" });
    const failure = await done.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Forbidden);
    expect((failure as Error).message).toBe("this token is not a worker token");
  });

  test("the work dir is created when missing", async () => {
    const { workDir, server } = start();
    const lease = makeLease("xz");
    server.offer(lease);
    await waitFor("the result", () => resultOf(server.events, lease.lease_id), 10_000, 5);
    expect(existsSync(workDir)).toBe(true);
  });
});
