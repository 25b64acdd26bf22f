// A small stand-in for `buildbtw serve`'s lease routes (api/routes.ts), over real HTTP, for worker tests:
// hands out queued leases by long-poll, records every call in arrival order, and can be told to answer
// 503, 409 or `cancelled` so tests can watch the worker cope.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import type { LogObject } from "consola";
import { api } from "../src/api/routes";
import { BuildResult, type Lease, LeaseRequest } from "../src/api/schemas";
import { createApiClient } from "../src/client/api-client";
import type { Driver } from "../src/drivers/driver";
import { createLogger } from "../src/lib/log";
import { runWorker, type WorkerSettings } from "../src/worker/run-worker";

export type Event =
  | { kind: "lease"; leaseId: string }
  | { kind: "heartbeat"; leaseId: string; answer: number }
  | { kind: "log"; leaseId: string; text: string }
  | { kind: "file"; leaseId: string; name: string; bytes: Uint8Array; answer: number }
  | { kind: "result"; leaseId: string; status: "built" | "failed"; reason?: string; answer: number }
  | { kind: "unavailable"; path: string };

export interface FakeServerOptions {
  token?: string;
  port?: number;
  /** Decide a heartbeat's answer: "ok", "cancel" or "conflict". */
  onHeartbeat?: (leaseId: string, count: number) => "ok" | "cancel" | "conflict";
  /** Refuse an upload with 400 and this sentence. */
  refuseFile?: (leaseId: string, name: string) => string | undefined;
  /**
   * Hold the answer to a result until this settles. The lease is finished before, as the real server finishes
   * it when it records the result: a heartbeat arriving meanwhile gets 409.
   */
  holdResult?: (leaseId: string) => Promise<void>;
}

export interface FakeServer {
  url: string;
  port: number;
  events: Event[];
  /** Offer a lease to the next worker asking for its architecture. */
  offer(lease: Lease): void;
  /** While down, every request gets 503. */
  setDown(down: boolean): void;
  /** Leases marked stale get 409 on every call. */
  markStale(leaseId: string): void;
  /** Stop listening (connections are refused) but keep every lease; `online` listens on the same port again. */
  offline(): Promise<void>;
  online(): void;
  stop(): Promise<void>;
}

export function startFakeServer(options: FakeServerOptions = {}): FakeServer {
  const token = options.token ?? "worker-token";
  const events: Event[] = [];
  const queue: Lease[] = [];
  const current = new Map<string, Lease>();
  const stale = new Set<string>();
  const heartbeats = new Map<string, number>();
  const waiting = new Set<() => void>();
  let down = false;

  const error = (status: number, sentence: string) => Response.json({ error: sentence }, { status });

  function take(architectures: string[]): Lease | undefined {
    const i = queue.findIndex((l) => architectures.includes(l.arch));
    if (i === -1) return undefined;
    const [lease] = queue.splice(i, 1) as [Lease];
    current.set(lease.lease_id, lease);
    events.push({ kind: "lease", leaseId: lease.lease_id });
    return lease;
  }

  async function longPoll(req: Request): Promise<Response> {
    const body = LeaseRequest.parse(await req.json());
    const deadline = Date.now() + body.wait_ms;
    for (;;) {
      const lease = take(body.architectures);
      if (lease) return Response.json(lease);
      const left = deadline - Date.now();
      if (left <= 0 || req.signal.aborted) return new Response(null, { status: 204 });
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        waiting.add(wake);
      });
    }
  }

  async function handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (down) {
      events.push({ kind: "unavailable", path });
      return error(503, "the server is restarting");
    }
    const auth = req.headers.get("authorization");
    if (!auth) return error(401, "workers must send Authorization: Bearer <worker token>");
    if (auth !== `Bearer ${token}`) return error(403, "this token is not a worker token");
    if (req.method === "POST" && path === api.lease) return longPoll(req);

    const m = /^\/api\/v1\/leases\/([^/]+)\/(heartbeat|log|files|result)(?:\/([^/]+))?$/.exec(path);
    if (!m) return error(404, `no route ${req.method} ${path}`);
    const leaseId = decodeURIComponent(m[1] as string);
    const lease = current.get(leaseId);
    if (!lease || stale.has(leaseId)) {
      const answer = 409;
      if (m[2] === "heartbeat") events.push({ kind: "heartbeat", leaseId, answer });
      if (m[2] === "result") events.push({ kind: "result", leaseId, ...BuildResult.parse(await req.json()), answer });
      return error(answer, "this lease is no longer current");
    }
    switch (m[2]) {
      case "heartbeat": {
        const count = (heartbeats.get(leaseId) ?? 0) + 1;
        heartbeats.set(leaseId, count);
        const decision = options.onHeartbeat?.(leaseId, count) ?? "ok";
        if (decision === "conflict") {
          stale.add(leaseId);
          events.push({ kind: "heartbeat", leaseId, answer: 409 });
          return error(409, "this lease is no longer current");
        }
        events.push({ kind: "heartbeat", leaseId, answer: 200 });
        return Response.json({
          expires_at: new Date(Date.now() + lease.ttl_ms).toISOString(),
          cancelled: decision === "cancel",
        });
      }
      case "log":
        events.push({ kind: "log", leaseId, text: await req.text() });
        return new Response(null, { status: 204 });
      case "files": {
        const name = decodeURIComponent(m[3] ?? "");
        const bytes = new Uint8Array(await req.arrayBuffer());
        const refusal = options.refuseFile?.(leaseId, name);
        const answer = refusal ? 400 : [...lease.expected_files, ...lease.optional_files].includes(name) ? 201 : 400;
        events.push({ kind: "file", leaseId, name, bytes, answer });
        if (answer === 400) return error(400, refusal ?? `${name} is not one of this build's package files`);
        return Response.json({ file: name }, { status: 201 });
      }
      case "result": {
        const result = BuildResult.parse(await req.json());
        events.push({ kind: "result", leaseId, ...result, answer: 200 });
        current.delete(leaseId);
        await options.holdResult?.(leaseId);
        return Response.json({ ok: true });
      }
    }
    return error(404, "no such route");
  }

  const listen = (port: number) => Bun.serve({ port, hostname: "127.0.0.1", fetch: handle, idleTimeout: 0 });
  let server: Server<undefined> = listen(options.port ?? 0);
  const port = server.port as number;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events,
    offer(lease) {
      queue.push(lease);
      for (const wake of [...waiting]) wake();
    },
    setDown(value) {
      down = value;
    },
    markStale(leaseId) {
      stale.add(leaseId);
    },
    async offline() {
      for (const wake of [...waiting]) wake();
      await server.stop(true);
    },
    online() {
      server = listen(port);
    },
    async stop() {
      for (const wake of [...waiting]) wake();
      await server.stop(true);
    },
  };
}

let leaseCounter = 0;

/** A lease for `pkgbase` with one package per pkgname, as the server would hand it out. */
export function makeLease(pkgbase: string, overrides: Partial<Lease> & { pkgnames?: string[] } = {}): Lease {
  const { pkgnames = [pkgbase], ...rest } = overrides;
  const arch = rest.arch ?? "x86_64";
  const version = rest.version ?? { epoch: null, pkgver: "1.0", pkgrel: "1" };
  const packages = pkgnames.map((pkgname) => ({
    pkgname,
    arch,
    file: `${pkgname}-${version.pkgver}-${version.pkgrel}-${arch}.pkg.tar.zst`,
    depends: ["glibc"],
    optdepends: [],
    provides: [`lib${pkgname}.so=1-64`],
    conflicts: [],
    replaces: [],
  }));
  leaseCounter++;
  return {
    lease_id: `lease-${leaseCounter}-${pkgbase}`,
    ttl_ms: 60_000,
    expires_at: new Date(Date.now() + 60_000).toISOString(),
    build_id: leaseCounter,
    namespace: "rebuild-1",
    iteration: 1,
    arch,
    pkgbase,
    commit: "a".repeat(40),
    source_url: `file:///nonexistent/${pkgbase}`,
    version,
    packages,
    bump: null,
    expected_files: packages.map((p) => p.file),
    optional_files: [],
    repository: { name: "buildbtw-rebuild-1", url: "http://127.0.0.1/repo/rebuild-1/1/os/x86_64/" },
    attempt: 1,
    ...rest,
  };
}

/** A package file's .PKGINFO, read by bsdtar as pacman would; throws when the file is no package. */
export function readPkginfo(bytes: Uint8Array): Record<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), "pkginfo-"));
  try {
    const file = join(dir, "pkg.pkg.tar.zst");
    writeFileSync(file, bytes);
    const out = Bun.spawnSync(["bsdtar", "-xOf", file, ".PKGINFO"]);
    if (out.exitCode !== 0) throw new Error(`bsdtar cannot read the package: ${out.stderr.toString()}`);
    const fields: Record<string, string[]> = {};
    for (const line of out.stdout.toString().split("\n")) {
      const m = /^(\w+) = (.*)$/.exec(line);
      if (!m) continue;
      const [, key, value] = m as unknown as [string, string, string];
      fields[key] = [...(fields[key] ?? []), value];
    }
    return fields;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A worker running in-process (runWorker with the real client) against a fake server, its logs captured. */
export interface RunningWorker {
  server: FakeServer;
  stop: AbortController;
  abandon: AbortController;
  done: Promise<void>;
  logs: { level: string; msg: string; fields: Record<string, unknown> }[];
  workDir: string;
}

const runningWorkers: RunningWorker[] = [];

/** Start a fake server and a worker against it, with test-sized waits; `stopWorkers` ends them all. */
export function startWorker(options: {
  driver: Driver;
  workDir: string;
  server?: FakeServerOptions;
  settings?: Partial<WorkerSettings>;
  token?: string;
}): RunningWorker {
  const server = startFakeServer(options.server);
  const logs: RunningWorker["logs"] = [];
  const log = createLogger("worker", { format: "json", level: "info" });
  log.setReporters([
    {
      log: (entry: LogObject) => {
        const [msg, fields] = entry.args as [string, Record<string, unknown> | undefined];
        logs.push({ level: entry.type, msg: String(msg), fields: fields ?? {} });
      },
    },
  ]);
  const stop = new AbortController();
  const abandon = new AbortController();
  const settings: WorkerSettings = {
    architectures: ["x86_64"],
    concurrency: 1,
    workDir: options.workDir,
    waitMs: 200,
    logFlushMs: 20,
    backoff: { initialMs: 20, maxMs: 100 },
    ...options.settings,
  };
  const client = createApiClient({ serverUrl: server.url, token: options.token ?? "worker-token" });
  const done = runWorker(settings, { client, driver: options.driver, log }, stop.signal, abandon.signal);
  const running = { server, stop, abandon, done, logs, workDir: options.workDir };
  runningWorkers.push(running);
  return running;
}

/** Abandon every worker `startWorker` started and stop its server (for afterEach). */
export async function stopWorkers(): Promise<void> {
  for (const r of runningWorkers.splice(0)) {
    r.abandon.abort();
    r.stop.abort();
    await r.done.catch(() => {});
    await r.server.stop();
  }
}
