// Build states (src/core/README.md, Build states) as one closed union with one transition table.
export type BuildStatus = "blocked" | "pending" | "scheduled" | "building" | "built" | "failed";

export type BuildEvent =
  | "dependencies_built" // blocked → pending
  | "dependency_unbuilt" // pending → blocked (a retried dependency is no longer built)
  | "leased" // pending → scheduled
  | "started" // scheduled → building
  | "succeeded" // building|scheduled → built
  | "failed" // scheduled|building → failed
  | "lease_lost" // scheduled|building → pending (expired, revoked on cancel)
  | "retried"; // failed → pending|blocked (the caller picks by dependency state)

const TRANSITIONS: Record<BuildEvent, Partial<Record<BuildStatus, BuildStatus>>> = {
  dependencies_built: { blocked: "pending" },
  dependency_unbuilt: { pending: "blocked" },
  leased: { pending: "scheduled" },
  started: { scheduled: "building", building: "building" },
  succeeded: { scheduled: "built", building: "built" },
  failed: { scheduled: "failed", building: "failed", pending: "failed" },
  lease_lost: { scheduled: "pending", building: "pending" },
  retried: { failed: "pending", built: "pending" },
};

/** The status after `event`, or null when the event does not apply in `from`. */
export function transition(from: BuildStatus, event: BuildEvent): BuildStatus | null {
  return TRANSITIONS[event][from] ?? null;
}

export const ACTIVE_STATUSES: readonly BuildStatus[] = ["scheduled", "building"];
export const FINAL_STATUSES: readonly BuildStatus[] = ["built", "failed"];

/** Status icons shared by the CLI and the web UI. */
export const STATUS_ICON: Record<BuildStatus, string> = {
  blocked: "⏸",
  pending: "⏳",
  scheduled: "📤",
  building: "🔨",
  built: "✅",
  failed: "❌",
};

/** After this many leases that ended without a result, a build fails instead of going back to pending. */
export const MAX_ATTEMPTS = 3;
