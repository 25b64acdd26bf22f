// The retention sweep: at start and then every BUILDBTW_RETENTION_INTERVAL_MS (hourly), apply the policy
// and log what it freed. Never dies: a failed sweep is logged and the next one tries again.
import type { ServerDeps } from "../deps";
import { applyRetention, describeRetention } from "../usecases/apply-retention";
import { every } from "./periodic";

export function startRetention(deps: ServerDeps, signal: AbortSignal): void {
  const policy = deps.config.ops.retention;
  every("retention sweep", policy.intervalMs, signal, deps.log, async () => {
    const report = applyRetention(
      { db: deps.db, dataDir: deps.config.dataDir, policy, now: deps.now },
      { dryRun: false },
    );
    for (const it of report.iterations) deps.publisher.forget(it.namespace, it.iteration);
    deps.metrics.retentionFreedBytes.inc(report.freed_bytes);
    deps.liveness.beat("retention", 2 * policy.intervalMs + 60_000);
    if (report.iterations.length === 0 && report.logs.builds === 0) return;
    for (const it of report.iterations) {
      deps.log.info("retention removed an iteration's repositories", {
        namespace: it.namespace,
        iteration: it.iteration,
        reason: it.reason,
        files: it.files,
        bytes: it.bytes,
        shared_files: it.shared,
      });
    }
    deps.log.info(`retention sweep: ${describeRetention(report).at(-1)}`, {
      iterations: report.iterations.length,
      log_builds: report.logs.builds,
      log_bytes: report.logs.bytes,
      freed_bytes: report.freed_bytes,
    });
  });
}
