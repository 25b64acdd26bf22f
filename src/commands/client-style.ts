// How the client commands' human output looks: colours only on a terminal without NO_COLOR, statuses with
// their colour and order, counts, dates, lists of names, and aligned tables. Everything returns text; the
// commands decide where it goes.
import type { BuildStatus } from "../core/build-states";

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "cyan";
const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
};

export type Paint = (style: Style, text: string) => string;

/** ANSI styles for a stream that is a terminal, unless NO_COLOR is set (no-color.org: any non-empty value). */
export function paintFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): Paint {
  if (!stream.isTTY || (env.NO_COLOR ?? "") !== "") return (_style, text) => text;
  return (style, text) => `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m`;
}

export const STATUS_STYLE: Record<BuildStatus, Style> = {
  blocked: "dim",
  pending: "yellow",
  scheduled: "cyan",
  building: "blue",
  built: "green",
  failed: "red",
};

/** How counts read: finished first, then work in progress, then what waits. */
const COUNT_ORDER: readonly BuildStatus[] = ["built", "failed", "building", "scheduled", "pending", "blocked"];

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `2025-01-01T12:00:03.123Z` → `2025-01-01 12:00 UTC`; anything else as given. */
export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export interface Progress {
  total: number;
  built: number;
  failed: number;
  /** Scheduled or building. */
  running: number;
  pending: number;
  blocked: number;
}

export function progressOf(counts: Record<string, number>): Progress {
  const n = (s: BuildStatus) => counts[s] ?? 0;
  return {
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    built: n("built"),
    failed: n("failed"),
    running: n("scheduled") + n("building"),
    pending: n("pending"),
    blocked: n("blocked"),
  };
}

/** `7 builds: 4 built, 1 failed, 1 building, 1 blocked`, statuses coloured. */
export function countsText(counts: Record<string, number>, paint: Paint): string {
  const parts = COUNT_ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => paint(STATUS_STYLE[s], `${counts[s]} ${s}`));
  const total = progressOf(counts).total;
  return `${plural(total, "build")}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`;
}

const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string) => [...s.replace(ANSI, "")].length;

export function table(headers: string[], rows: string[][], paint: Paint): string[] {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - width(c))))
      .join("  ")
      .trimEnd();
  return [paint("bold", line(headers)), ...rows.map(line)];
}

/** A few names, then how many more. */
export const someNames = (names: string[], max = 5) =>
  names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;

/** The dependency cycles of one architecture's graph and the edges dropped to break them (show and plan). */
export function cycleLines(
  g: { cycles: string[][]; removed_edges: { from: string; to: string; kind: string }[] },
  indent: string,
): string[] {
  if (g.cycles.length === 0) return [];
  return [
    `  cycles (${g.cycles.length}), broken by dropping ${plural(g.removed_edges.length, "edge")}:`,
    ...g.cycles.map((c) => `${indent}${c.join(" ↔ ")}`),
    ...g.removed_edges.map((e) => `${indent}dropped ${e.from} → ${e.to} (${e.kind})`),
  ];
}
