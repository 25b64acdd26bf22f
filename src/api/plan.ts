// The Plan body from a planner's result: one assembly for the local `buildbtw plan --json` and the
// server's POST /api/v1/plan, so that both print exactly the same JSON.
import type { PlanResult } from "../core/graph";
import type { SourceEntry } from "../core/types";
import type { Plan } from "./schemas";

export function planBody(
  origins: readonly SourceEntry[],
  result: PlanResult,
  sources: { pkgbases: number; skipped: number },
  ms: number,
): Plan {
  return {
    origins: origins.map((e) => ({ pkgbase: e.pkgbase, ref: e.ref, commit: e.commit })),
    architectures: result.architectures,
    stats: {
      pkgbases: sources.pkgbases,
      unresolved: result.unresolved,
      skipped_srcinfo: sources.skipped,
      ms: Math.round(ms),
    },
  };
}
