// One lease, start to end (README.md, Architecture: workers and leases): heartbeat → drive → stream the log → upload →
// report. A lease the server no longer honours (409) or cancelled is dropped without a result: the server has already
// moved the build on, and a result for it would be refused anyway. Dropping a lease or running out of time aborts the
// driver, which kills everything the build started.
import { hostname } from "node:os";
import { basename } from "node:path";
import type { Lease } from "../api/schemas";
import type { ApiClient } from "../client/api-client";
import { isTransient } from "../client/errors";
import { createLogStream } from "../client/log-stream";
import { Conflict, Forbidden, Invalid, NotFound } from "../core/errors";
import type { BuildOutcome, Driver } from "../drivers/driver";
import { type BackoffPolicy, retry } from "../lib/backoff";
import { formatDuration } from "../lib/duration";
import { type Logger, messageOf } from "../lib/log";
import type { BuildDirs } from "./build-dirs";

/** Why a build stopped before its result: the abort reason of its signal. */
export class BuildStopped extends Error {
  override name = "BuildStopped";
}

/** How one lease ended, for the slot's log and for tests. */
export type LeaseEnd =
  | { kind: "reported"; status: "built" | "failed"; reason?: string }
  | { kind: "dropped"; reason: string };

export interface LeaseDeps {
  client: Pick<ApiClient, "leases">;
  driver: Driver;
  log: Logger;
}

export interface LeaseSettings {
  /** A build running longer is stopped and fails ("build timed out after 4h"); default: no limit. */
  buildTimeoutMs?: number;
  /** The worker's build directories (shared by its slots so sweeps spare running builds). */
  buildDirs: BuildDirs;
  logFlushMs?: number;
  logFlushBytes?: number;
  backoff?: Partial<BackoffPolicy>;
}

// BuildResult.reason allows at most 2000 characters.
const MAX_REASON = 2000;

export const leaseFields = (lease: Lease) => ({
  namespace: lease.namespace,
  iteration: lease.iteration,
  pkgbase: lease.pkgbase,
  arch: lease.arch,
  build_id: lease.build_id,
  lease_id: lease.lease_id,
  attempt: lease.attempt,
});

/** Whether an answer means "this lease is not yours any more" (expired, ended, another worker's). */
const isStale = (error: unknown): boolean =>
  error instanceof Conflict || error instanceof NotFound || error instanceof Forbidden;

/** What one build cost, for its summary line. */
interface Tally {
  buildMs: number | null;
  files: number;
  bytes: number;
}

/**
 * Drive `lease` to a reported result or drop it. `abandon` aborts the build without a result (the lease
 * then expires on the server and the build returns to pending). Throws only on unexpected errors.
 * Every lease ends with one `build summary:` line, whatever happened, for operators to grep.
 */
export async function driveLease(
  lease: Lease,
  deps: LeaseDeps,
  settings: LeaseSettings,
  abandon?: AbortSignal,
): Promise<LeaseEnd> {
  const started = performance.now();
  const tally: Tally = { buildMs: null, files: 0, bytes: 0 };
  const summary = (outcome: string, reason?: string) => {
    const totalMs = Math.round(performance.now() - started);
    const build = tally.buildMs === null ? "" : `, ${deps.driver.name} build ${formatMs(tally.buildMs)}`;
    deps.log.info(
      `build summary: ${outcome} ${lease.namespace}/${lease.iteration} ${lease.pkgbase} ${lease.arch} attempt ${lease.attempt} in ${formatMs(totalMs)}${build}, ${tally.files} file(s) ${tally.bytes} bytes uploaded${reason ? `: ${reason}` : ""}`,
      {
        ...leaseFields(lease),
        summary: true,
        outcome,
        driver: deps.driver.name,
        total_ms: totalMs,
        build_ms: tally.buildMs,
        files: tally.files,
        upload_bytes: tally.bytes,
        ...(reason ? { reason } : {}),
      },
    );
  };
  try {
    const end = await drive(lease, deps, settings, tally, abandon);
    summary(end.kind === "reported" ? end.status : "dropped", end.reason);
    return end;
  } catch (error) {
    summary("error", messageOf(error));
    throw error;
  }
}

const formatMs = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms));

async function drive(
  lease: Lease,
  deps: LeaseDeps,
  settings: LeaseSettings,
  tally: Tally,
  abandon?: AbortSignal,
): Promise<LeaseEnd> {
  const { client, driver, log } = deps;
  const fields = leaseFields(lease);
  const what = `${lease.namespace}/${lease.iteration} ${lease.pkgbase} (${lease.arch})`;
  const stop = new AbortController();
  const stopBuild = (reason: string) => {
    if (!stop.signal.aborted) stop.abort(new BuildStopped(reason));
  };
  const onAbandon = () =>
    stopBuild("the worker is shutting down; the lease will expire and the build return to pending");
  if (abandon?.aborted) onAbandon();
  abandon?.addEventListener("abort", onAbandon);

  // Every server call for this lease: retried while the server is unreachable, given up when the build stops.
  const call = <T>(action: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    retry(() => fn(stop.signal), {
      ...settings.backoff,
      signal: stop.signal,
      shouldRetry: isTransient,
      onRetry: ({ delayMs, error }) =>
        log.warn(`${action} failed, retrying in ${delayMs} ms: ${messageOf(error)}`, fields),
    });

  const logs = createLogStream({
    flushMs: settings.logFlushMs,
    maxBytes: settings.logFlushBytes,
    send: (text) =>
      call("sending the build log", (signal) => client.leases.appendLog(lease.lease_id, text, { signal })),
    onError: (error) => {
      if (stop.signal.aborted) return;
      if (isStale(error)) return stopBuild(`the server refused the log: ${messageOf(error)}`);
      log.warn(`a build log chunk was lost: ${messageOf(error)}`, fields);
    },
  });

  let beating = false;
  // Set once the result is on its way: the result ends the lease, so a heartbeat crossing it is refused, and
  // that refusal must not stop (and drop) the report it crossed.
  let reporting = false;
  const heartbeat = async () => {
    // A heartbeat still retrying covers the next tick too: never two in flight.
    if (beating || stop.signal.aborted || reporting) return;
    beating = true;
    try {
      const answer = await call("heartbeat", (signal) => client.leases.heartbeat(lease.lease_id, { signal }));
      if (answer.cancelled && !reporting) stopBuild("the server cancelled this build");
    } catch (error) {
      if (stop.signal.aborted || reporting) return;
      if (isStale(error)) stopBuild(`the lease is no longer current: ${messageOf(error)}`);
      else log.warn(`heartbeat failed: ${messageOf(error)}`, fields);
    } finally {
      beating = false;
    }
  };

  const dropped = (): LeaseEnd => {
    logs.discard();
    const reason = messageOf(stop.signal.reason);
    log.warn(`dropped lease of ${what}: ${reason}`, { ...fields, reason });
    return { kind: "dropped", reason };
  };

  log.info(`leased ${what}`, fields);
  let interval: ReturnType<typeof setInterval> | undefined;
  let dir: string | undefined;
  // Set when the build must keep its directory: it failed (or broke), and someone may want to look.
  let keepReason: string | undefined = "the worker failed unexpectedly";
  try {
    // The first heartbeat before any work: it tells the server the build started and catches a cancel early.
    await heartbeat();
    interval = setInterval(heartbeat, Math.max(50, lease.ttl_ms / 3));
    if (stop.signal.aborted) {
      keepReason = undefined;
      return dropped();
    }

    dir = await settings.buildDirs.create(lease.build_id, lease.namespace);
    logs.write(`==> buildbtw: building ${what} at ${lease.commit} with the ${driver.name} driver\n`);
    const buildStarted = performance.now();
    const outcome = await buildWithin(settings.buildTimeoutMs, driver, lease, {
      workDir: dir,
      log: logs.write,
      signal: stop.signal,
    });
    tally.buildMs = Math.round(performance.now() - buildStarted);
    if (stop.signal.aborted) {
      keepReason = undefined;
      return dropped();
    }
    // The whole build log reaches the server before its packages do: what the UI shows is complete.
    await logs.flush();

    const result = outcome.status === "built" ? await upload(lease, outcome.files) : outcome;
    keepReason = result.status === "failed" ? result.reason : undefined;
    if (result.status === "failed") {
      logs.write(`==> buildbtw: build failed: ${result.reason}\n`);
      const keepMs = settings.buildDirs.keepFailedMs;
      if (keepMs > 0)
        logs.write(`==> buildbtw: the build directory stays on ${hostname()} for ${formatDuration(keepMs)}: ${dir}\n`);
    }
    await logs.flush();
    if (stop.signal.aborted) return dropped();

    const reason = result.status === "failed" ? result.reason.slice(0, MAX_REASON) : undefined;
    reporting = true;
    clearInterval(interval);
    await call("reporting the result", (signal) =>
      client.leases.report(lease.lease_id, { status: result.status, reason }, { signal }),
    );
    log.info(`${result.status} ${what}${reason ? `: ${reason}` : ""}`, { ...fields, status: result.status, reason });
    return { kind: "reported", status: result.status, reason };
  } catch (error) {
    if (stop.signal.aborted || isStale(error)) {
      // Nobody will look at a build the server moved on from: its directory goes.
      keepReason = undefined;
      if (!stop.signal.aborted) stopBuild(`the server refused this lease: ${messageOf(error)}`);
      return dropped();
    }
    throw error;
  } finally {
    clearInterval(interval);
    abandon?.removeEventListener("abort", onAbandon);
    if (!stop.signal.aborted) stop.abort(new BuildStopped("the lease is finished"));
    if (dir) {
      const kept = await settings.buildDirs.release(
        dir,
        keepReason === undefined ? { keep: false } : { keep: true, reason: keepReason },
      );
      log.debug(`build directory ${kept}: ${dir}`, { ...fields, dir });
    }
  }

  /**
   * Upload the expected files in the lease's order, then the optional ones the build made (<pkgbase>-debug);
   * a refused or missing file fails the build.
   */
  async function upload(
    lease: Lease,
    files: string[],
  ): Promise<{ status: "built" } | { status: "failed"; reason: string }> {
    const built = new Map(files.map((path) => [basename(path), path]));
    const wanted = [...lease.expected_files, ...lease.optional_files.filter((name) => built.has(name))];
    for (const name of built.keys()) {
      if (!wanted.includes(name)) log.info(`not uploading ${name}: the server does not expect it`, fields);
    }
    const missing = lease.expected_files.filter((name) => !built.has(name));
    if (missing.length > 0) return { status: "failed", reason: `the build did not produce ${missing.join(", ")}` };
    for (const name of wanted) {
      const path = built.get(name) as string;
      try {
        await call(`uploading ${name}`, (signal) =>
          client.leases.uploadFile(lease.lease_id, name, Bun.file(path), { signal }),
        );
      } catch (error) {
        if (error instanceof Invalid)
          return { status: "failed", reason: `the server refused ${name}: ${error.message}` };
        throw error;
      }
      tally.files++;
      tally.bytes += Bun.file(path).size;
      log.info(`uploaded ${name}`, { ...fields, file: name });
    }
    return { status: "built" };
  }
}

/** Why a build was stopped by its deadline rather than by the lease. */
class TimedOut extends Error {
  override name = "TimedOut";
}

/**
 * Run the driver with a deadline: when `timeoutMs` passes, its signal aborts (the driver kills its
 * processes) and the build fails with "build timed out after 4h". A driver that throws (rather than
 * returning "failed") has still failed the build, unless the lease stopped it.
 */
async function buildWithin(
  timeoutMs: number | undefined,
  driver: Driver,
  lease: Lease,
  ctx: Parameters<Driver["build"]>[1],
): Promise<BuildOutcome> {
  const deadline = new AbortController();
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => deadline.abort(new TimedOut(`build timed out after ${formatDuration(timeoutMs)}`)), timeoutMs);
  const signal = AbortSignal.any([ctx.signal, deadline.signal]);
  try {
    const outcome = await driver.build(lease, { ...ctx, signal });
    if (deadline.signal.aborted && !ctx.signal.aborted && outcome.status === "failed")
      return { status: "failed", reason: (deadline.signal.reason as TimedOut).message };
    return outcome;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (deadline.signal.aborted) return { status: "failed", reason: (deadline.signal.reason as TimedOut).message };
    return { status: "failed", reason: `the ${driver.name} driver failed: ${messageOf(error)}` };
  } finally {
    clearTimeout(timer);
  }
}
