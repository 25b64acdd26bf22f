// Worker mode (README.md, Architecture: workers and leases): N slots, each long-polling the server for a lease and
// driving it to a result. Workers hold no inbound port; everything they do is a call to /api/v1 through lib/backoff.
import { mkdir } from "node:fs/promises";
import type { Lease } from "../api/schemas";
import { isTransient, UnexpectedResponse } from "../client/errors";
import { DomainError } from "../core/errors";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, retry, sleep } from "../lib/backoff";
import { messageOf } from "../lib/log";
import { createBuildDirs } from "./build-dirs";
import { driveLease, type LeaseDeps, leaseFields } from "./drive-lease";

export interface WorkerSettings {
  architectures: string[];
  concurrency: number;
  /** Parent of the per-build work directories; created if missing. */
  workDir: string;
  /** How long the server may hold a lease request open (default 25 s). */
  waitMs?: number;
  logFlushMs?: number;
  logFlushBytes?: number;
  backoff?: Partial<BackoffPolicy>;
  /** A build running longer fails with "build timed out after …" (default: no limit). */
  buildTimeoutMs?: number;
  /** Failed builds' directories are kept this long, then swept (default 24 h). */
  keepFailedMs?: number;
  /** How often the work directory is swept after the sweep at start (default: hourly, or keepFailedMs if shorter). */
  sweepEveryMs?: number;
}

export type WorkerDeps = LeaseDeps;

/**
 * Run until `signal` aborts: then take no new leases, finish the builds in progress (upload, report) and
 * return. `abandon` aborting stops those builds too, without results: their leases expire on the server
 * and the builds return to pending. Rejects only when the server refuses the worker itself (bad token,
 * bad architecture, not a buildbtw server): retrying cannot help then.
 */
export async function runWorker(
  settings: WorkerSettings,
  deps: WorkerDeps,
  signal: AbortSignal,
  abandon?: AbortSignal,
): Promise<void> {
  const { client, driver, log } = deps;
  await mkdir(settings.workDir, { recursive: true });
  const keepFailedMs = settings.keepFailedMs ?? 24 * 3_600_000;
  const buildDirs = createBuildDirs(settings.workDir, keepFailedMs);
  const sweep = async () => {
    try {
      for (const { path, why, error } of await buildDirs.sweep()) {
        if (error) log.warn(`could not remove ${path} (${why}): ${error}`, { path, reason: why, error });
        else log.info(`removed ${path}: ${why}`, { path, reason: why });
      }
    } catch (error) {
      log.warn(`sweeping ${settings.workDir} failed: ${messageOf(error)}`);
    }
  };
  await sweep();
  const sweeper = setInterval(sweep, settings.sweepEveryMs ?? Math.max(60_000, Math.min(3_600_000, keepFailedMs)));
  const halt = new AbortController();
  const taking = AbortSignal.any([signal, halt.signal]);
  const architectures = settings.architectures;
  log.info(
    `worker started: ${settings.concurrency} slot(s) for ${architectures.join(", ")} with the ${driver.name} driver`,
    {
      architectures,
      concurrency: settings.concurrency,
      driver: driver.name,
      build_timeout_ms: settings.buildTimeoutMs ?? null,
      keep_failed_ms: keepFailedMs,
    },
  );

  // After an unforeseen failure: wait a while (growing), but wake at once when the worker stops.
  const pause = (failures: number) =>
    sleep(backoffDelay(failures, { ...DEFAULT_BACKOFF, ...settings.backoff }), taking).catch(() => {});

  async function runSlot(slot: number): Promise<void> {
    let failures = 0;
    while (!taking.aborted) {
      let lease: Lease | null;
      try {
        lease = await retry(
          () => client.leases.acquire({ architectures, wait_ms: settings.waitMs ?? 25_000 }, { signal: taking }),
          {
            ...settings.backoff,
            signal: taking,
            shouldRetry: isTransient,
            onRetry: ({ delayMs, error }) =>
              log.warn(`asking for work failed, retrying in ${delayMs} ms: ${messageOf(error)}`, { slot }),
          },
        );
      } catch (error) {
        if (taking.aborted) return;
        if (error instanceof DomainError || error instanceof UnexpectedResponse) {
          // The server refuses this worker, not one request: stop every slot and say why.
          halt.abort(error);
          return;
        }
        failures++;
        log.error(`slot ${slot}: asking for work failed: ${messageOf(error)}`, { slot, error: stackOf(error) });
        await pause(failures);
        continue;
      }
      if (!lease) continue;
      try {
        await driveLease(lease, deps, { ...settings, buildDirs }, abandon);
        failures = 0;
      } catch (error) {
        // A bug or an unforeseen answer in one lease must not end the slot; the lease expires on the server.
        failures++;
        log.error(`giving up lease of ${lease.pkgbase}: ${messageOf(error)}`, {
          ...leaseFields(lease),
          slot,
          error: stackOf(error),
        });
        await pause(failures);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: settings.concurrency }, (_, i) => runSlot(i + 1)));
  } finally {
    clearInterval(sweeper);
  }
  if (halt.signal.aborted) throw halt.signal.reason;
  log.info("worker stopped");
}

const stackOf = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));
