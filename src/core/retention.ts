// Which iterations' repositories the retention policy removes. Pure: the caller reads the state, asks
// this, and does what it says.
//
// - Every namespace keeps the repositories of its newest `keepIterations` iterations.
// - A namespace that is cancelled, or finished (its newest iteration has nothing pending, scheduled or
//   building), loses all of them once it has been idle for `finishedDays` days.
// - Never removed: the newest iteration of a namespace that is active and not finished, and any
//   iteration with a build running (scheduled or building), whose uploads land in its repository.

export interface RetentionRules {
  /** Newest iterations whose repositories every namespace keeps (at least 1). */
  keepIterations: number;
  /** Days a cancelled or finished namespace keeps its repositories after its last activity. */
  finishedDays: number;
}

export interface NamespaceState {
  id: number;
  name: string;
  status: "active" | "cancelled";
  /** Last change of the namespace itself (created, cancelled, resumed, edited). */
  updatedAt: string;
  /** Newest first. */
  iterations: IterationState[];
}

export interface IterationState {
  id: number;
  createdAt: string;
  prunedAt: string | null;
  /** Builds pending, scheduled or building. */
  open: number;
  /** Builds scheduled or building: they need the repository. */
  running: number;
  /** The newest finished_at of its builds, if any finished. */
  lastFinishedAt: string | null;
}

export interface PruneDecision {
  namespaceId: number;
  namespace: string;
  iterationId: number;
  reason: string;
}

const DAY_MS = 86_400_000;

export function decideRetention(namespaces: NamespaceState[], rules: RetentionRules, now: number): PruneDecision[] {
  const out: PruneDecision[] = [];
  for (const ns of namespaces) {
    const newest = ns.iterations[0];
    if (!newest) continue;
    const finished = newest.open === 0;
    const idleSince = Math.max(
      Date.parse(ns.updatedAt),
      Date.parse(newest.createdAt),
      newest.lastFinishedAt ? Date.parse(newest.lastFinishedAt) : 0,
    );
    const expired = (ns.status === "cancelled" || finished) && now - idleSince >= rules.finishedDays * DAY_MS;
    ns.iterations.forEach((it, index) => {
      if (it.prunedAt !== null || it.running > 0) return;
      if (expired) {
        const what = ns.status === "cancelled" ? "cancelled" : "finished";
        out.push({
          namespaceId: ns.id,
          namespace: ns.name,
          iterationId: it.id,
          reason: `the namespace is ${what} and idle for more than ${rules.finishedDays} day(s)`,
        });
      } else if (index >= rules.keepIterations) {
        out.push({
          namespaceId: ns.id,
          namespace: ns.name,
          iterationId: it.id,
          reason: `older than the newest ${rules.keepIterations} iteration(s)`,
        });
      }
    });
  }
  return out;
}
