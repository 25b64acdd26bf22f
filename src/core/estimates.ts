// How long a build will take, learned from recorded builds: the median of the pkgbase's last five
// successful builds on the architecture (any namespace), else the median of the architecture's
// successful builds, else a configured default. Failed builds are recorded but not learned from: they
// often end early and would make every estimate too short.

/** Where an estimate came from, weakest last. */
export type EstimateSource = "history" | "arch" | "default";

export interface Estimate {
  ms: number;
  source: EstimateSource;
}

export interface DurationSample {
  pkgbase: string;
  arch: string;
  ms: number;
}

/** Builds of a pkgbase the estimate looks back on. */
export const HISTORY_LENGTH = 5;
/** Builds of an architecture its fallback median looks back on (bounded memory on a long-lived server). */
export const ARCH_HISTORY_LENGTH = 10_000;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

export class Estimates {
  /** `arch\0pkgbase` → its last HISTORY_LENGTH durations, oldest first. */
  private recent = new Map<string, number[]>();
  private byArch = new Map<string, { samples: number[]; median: number | null }>();
  /** Bumped by every recorded sample: whoever caches something derived from estimates compares it. */
  version = 0;

  constructor(readonly defaultMs: number) {}

  /** A successful build's duration, oldest first when loading history. */
  record(sample: DurationSample): void {
    const key = `${sample.arch}\0${sample.pkgbase}`;
    const list = this.recent.get(key) ?? [];
    list.push(sample.ms);
    if (list.length > HISTORY_LENGTH) list.shift();
    this.recent.set(key, list);
    const arch = this.byArch.get(sample.arch) ?? { samples: [], median: null };
    arch.samples.push(sample.ms);
    if (arch.samples.length > ARCH_HISTORY_LENGTH) arch.samples.splice(0, arch.samples.length - ARCH_HISTORY_LENGTH);
    arch.median = null;
    this.byArch.set(sample.arch, arch);
    this.version++;
  }

  estimate(pkgbase: string, arch: string): Estimate {
    const own = this.recent.get(`${arch}\0${pkgbase}`);
    if (own && own.length > 0) return { ms: median(own), source: "history" };
    const all = this.byArch.get(arch);
    if (all && all.samples.length > 0) {
      all.median ??= median(all.samples);
      return { ms: all.median, source: "arch" };
    }
    return { ms: this.defaultMs, source: "default" };
  }
}

const UNITS = [
  { ms: 3_600_000, name: "h" },
  { ms: 60_000, name: "min" },
  { ms: 1000, name: "s" },
] as const;
const unitFor = (ms: number) => UNITS.find((u) => ms >= u.ms) ?? UNITS[2];
const amount = (ms: number, unit: (typeof UNITS)[number]) => {
  const n = ms / unit.ms;
  if (unit.name === "h" && n < 10) return String(Math.round(n * 10) / 10);
  // Nothing takes "~0 s": under a second reads as one.
  return String(Math.max(unit.name === "s" ? 1 : 0, Math.round(n)));
};

/** An estimate as people read it: `~45 s`, `~14 min`, `~2.5 h`. */
export function estimateText(ms: number): string {
  const unit = unitFor(ms);
  return `~${amount(ms, unit)} ${unit.name}`;
}

/** A running build against its estimate, in the estimate's unit: `running 3 min of ~14`. */
export function runningText(elapsedMs: number, estimateMs: number): string {
  const unit = unitFor(estimateMs);
  return `running ${amount(elapsedMs, unit)} ${unit.name} of ~${amount(estimateMs, unit)}`;
}
