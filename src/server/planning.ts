// What the server knows about time: build estimates learned from recorded durations, the critical-path
// priorities the scheduler orders ready builds by, and how many builds ran at once for each namespace
// lately (the slots an ETA may count on). Kept in memory, loaded from the database at start.
import { remainingPaths } from "../core/critical-path";
import { type DurationSample, type Estimate, Estimates } from "../core/estimates";
import type { GraphIndexCache } from "./graph-index";
import type { QueuedBuild } from "./scheduler";

export interface PlanningOptions {
  defaultEstimateMs: number;
  order: "critical-path" | "build-order";
  /**
   * New estimates change priorities at most this often: every result brings one, and re-ordering the
   * queues on each would make dispatch pay for it.
   */
  reprioritizeAfterMs?: number;
  /** How far back "recently" reaches for the slots that served a namespace. */
  slotWindowMs?: number;
}

interface Busy {
  running: Set<number>;
  /** [time, running] whenever running changed, oldest first, within the window. */
  history: [number, number][];
}

const PRIORITY_CACHE = 64;

export class Planning {
  readonly estimates: Estimates;
  /** `iteration\0arch` → pkgbase → remaining path (ms), for the current priority epoch. */
  private priorities = new Map<string, Map<string, number>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private busy = new Map<string, Busy>();
  private readonly reprioritizeAfterMs: number;
  private readonly slotWindowMs: number;

  constructor(
    private readonly graphs: GraphIndexCache,
    private readonly options: PlanningOptions,
    /** Re-order the scheduler's queues after priorities changed. */
    private readonly onPrioritiesChanged: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.estimates = new Estimates(options.defaultEstimateMs);
    this.reprioritizeAfterMs = options.reprioritizeAfterMs ?? 2000;
    this.slotWindowMs = options.slotWindowMs ?? 10 * 60_000;
  }

  get order(): PlanningOptions["order"] {
    return this.options.order;
  }

  estimate(pkgbase: string, arch: string): Estimate {
    return this.estimates.estimate(pkgbase, arch);
  }

  /** History at start: successful builds, oldest first. */
  load(samples: Iterable<DurationSample>): void {
    for (const s of samples) this.estimates.record(s);
  }

  /** A successful build's duration: estimates learn it, priorities follow a little later. */
  recordDuration(sample: DurationSample): void {
    this.estimates.record(sample);
    if (this.options.order !== "critical-path" || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.priorities.clear();
      this.onPrioritiesChanged();
    }, this.reprioritizeAfterMs);
    this.timer.unref?.();
  }

  /**
   * The scheduler's priority of a ready build: its remaining path (own estimate plus the longest chain of
   * estimates below it) under critical-path order, 0 (plain build order) otherwise. Computed once per
   * iteration and architecture until estimates change.
   */
  priorityOf = (build: Pick<QueuedBuild, "iterationId" | "arch" | "pkgbase">): number => {
    if (this.options.order !== "critical-path") return 0;
    return this.remainingPaths(build.iterationId, build.arch).get(build.pkgbase) ?? 0;
  };

  /** Every node's remaining path in one iteration and architecture (ms). */
  remainingPaths(iterationId: number, arch: string): Map<string, number> {
    const key = `${iterationId}\0${arch}`;
    let paths = this.priorities.get(key);
    if (!paths) {
      const index = this.graphs.get(iterationId, arch);
      paths = remainingPaths(index, (pkgbase) => this.estimates.estimate(pkgbase, arch).ms);
      if (this.priorities.size >= PRIORITY_CACHE) this.priorities.delete(this.priorities.keys().next().value!);
      this.priorities.set(key, paths);
    }
    return paths;
  }

  /** Build id → its architecture, for the builds running now. */
  private runningArch = new Map<number, string>();

  /**
   * A build's status changed: count it among its namespace's running builds (scheduled or building) or
   * not. `archOf` is asked only for a build that starts running.
   */
  noteStatus(namespaceId: number, buildId: number, running: boolean, archOf: () => string | undefined): void {
    const known = this.runningArch.get(buildId);
    if (running === (known !== undefined)) return;
    const arch = known ?? archOf();
    if (arch === undefined) return;
    if (running) this.runningArch.set(buildId, arch);
    else this.runningArch.delete(buildId);
    this.noteBuild(namespaceId, arch, buildId, running);
  }

  private noteBuild(namespaceId: number, arch: string, buildId: number, running: boolean): void {
    for (const key of [`${namespaceId}\0${arch}`, `*\0${arch}`]) {
      const b = this.busy.get(key) ?? { running: new Set<number>(), history: [] };
      this.busy.set(key, b);
      const before = b.running.size;
      if (running) b.running.add(buildId);
      else b.running.delete(buildId);
      if (b.running.size === before) continue;
      const now = this.now();
      b.history.push([now, b.running.size]);
      while (b.history.length > 1 && b.history[0]![0] < now - this.slotWindowMs) b.history.shift();
    }
  }

  /**
   * How many builds of this architecture the namespace can expect to run at once: the most that ran at
   * once for it lately; without such history, the most that ran for any namespace; at least one.
   */
  slotsFor(namespaceId: number, arch: string): number {
    const peak = (key: string) => {
      const b = this.busy.get(key);
      if (!b) return 0;
      const since = this.now() - this.slotWindowMs;
      let most = b.running.size;
      for (const [at, n] of b.history) if (at >= since) most = Math.max(most, n);
      return most;
    };
    return Math.max(1, peak(`${namespaceId}\0${arch}`) || peak(`*\0${arch}`));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
