// Small pieces every page uses. Props in, HTML out: nothing here reads data or the clock.
import type { Child } from "hono/jsx";
import type { BuildNode, Eta } from "../src/api/schemas";
import type { BuildStatus } from "../src/core/build-states";
import { estimateText } from "../src/core/estimates";
import { urls } from "./urls";

export const STATUS_ORDER: readonly BuildStatus[] = ["failed", "building", "scheduled", "pending", "blocked", "built"];

/** Commit links need a forge; without one configured, commits are plain text. */
export type CommitUrl = (pkgbase: string, commit: string) => string | null;

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const plainDate = (iso: string): string => iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");

export function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (ms < 60_000) return "just now";
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} days ago`;
}

/** A point in time: relative for reading, exact on hover and for machines. */
export const Time = (p: { iso: string | null; now: number }) =>
  p.iso ? (
    <time datetime={p.iso} title={plainDate(p.iso)}>
      {ago(p.iso, p.now)}
    </time>
  ) : (
    <span class="muted">—</span>
  );

/** How long a build took, or has been running (ticks in the browser while it runs). */
export function Duration(p: { started: string | null; finished: string | null; now: number; running: boolean }) {
  if (!p.started) return <span class="muted">—</span>;
  const start = Date.parse(p.started);
  if (p.finished) return <span>{formatDuration(Date.parse(p.finished) - start)}</span>;
  if (!p.running) return <span class="muted">—</span>;
  return <span data-since={p.started}>{formatDuration(p.now - start)}</span>;
}

/** A build's time: how long it took, how long it runs against its estimate, its estimate, or where it was reused from. */
export function BuildTime(p: {
  b: Pick<BuildNode, "arch" | "status" | "started_at" | "finished_at" | "estimate_ms" | "reused_from_iteration">;
  now: number;
  /** The build's namespace: a reused build links to the iteration it was reused from. */
  namespace: string;
}) {
  const b = p.b;
  if (b.reused_from_iteration !== null)
    return (
      <a class="reused" href={urls.namespace(p.namespace, { iteration: b.reused_from_iteration, arch: b.arch })}>
        reused from iteration {b.reused_from_iteration}
      </a>
    );
  if (b.status === "pending" || b.status === "blocked")
    return <span class="muted estimate">{estimateText(b.estimate_ms)}</span>;
  const running = b.status === "scheduled" || b.status === "building";
  if (running && b.started_at)
    return (
      <span>
        running <Duration started={b.started_at} finished={null} now={p.now} running={true} />{" "}
        <span class="muted estimate">of {estimateText(b.estimate_ms)}</span>
      </span>
    );
  return <Duration started={b.started_at} finished={b.finished_at} now={p.now} running={running} />;
}

/** When an iteration is expected to be done, from the simulated rest of its schedule. */
export function EtaText(p: { eta: Eta }) {
  const slots = Object.values(p.eta.slots).reduce((a, b) => a + b, 0);
  return (
    <span class="eta">
      expected to finish in {estimateText(p.eta.remaining_ms)} (about{" "}
      <time datetime={p.eta.finish_at}>{plainDate(p.eta.finish_at)}</time>), {p.eta.builds_left} builds left on {slots}{" "}
      {slots === 1 ? "slot" : "slots"}
      {p.eta.unfinishable > 0 ? `; ${p.eta.unfinishable} cannot finish (failed or waiting for a failure)` : ""}
    </span>
  );
}

/** The expected finish in a table cell: `~14 min`, the time on hover. */
export const EtaShort = (p: { eta: Eta }) => (
  <time class="eta" datetime={p.eta.finish_at} title={plainDate(p.eta.finish_at)}>
    {estimateText(p.eta.remaining_ms)}
  </time>
);

export const Status = (p: { status: string }) => (
  <span class="status" data-status={p.status}>
    <span class="st-word">{p.status}</span>
  </span>
);

export function Commit(p: { pkgbase: string; commit: string; commitUrl: CommitUrl }) {
  const href = p.commitUrl(p.pkgbase, p.commit);
  const short = <code title={p.commit}>{p.commit.slice(0, 10)}</code>;
  return href ? <a href={href}>{short}</a> : short;
}

/** Where a build runs: its worker (linked to the workers list) or its GitLab pipeline. */
export function RunsOn(p: { worker: string | null; pipelineUrl: string | null }) {
  if (p.pipelineUrl) return <a href={p.pipelineUrl}>pipeline</a>;
  if (p.worker) return <a href={`/#worker-${p.worker}`}>{p.worker}</a>;
  return <span class="muted">—</span>;
}

/**
 * Built, failed and running as coloured segments of the total, with the same numbers as text. Drawn as SVG
 * rectangles: their sizes are attributes, not inline styles, which the Content-Security-Policy forbids.
 */
export function Progress(p: { counts: Partial<Record<string, number>>; total: number; id?: string }) {
  const built = p.counts.built ?? 0;
  const failed = p.counts.failed ?? 0;
  const running = (p.counts.building ?? 0) + (p.counts.scheduled ?? 0);
  const pct = (n: number) => (p.total > 0 ? Number(((100 * n) / p.total).toFixed(2)) : 0);
  const label = `${built} built, ${failed} failed, ${running} running of ${p.total}`;
  const segments = [
    { cls: "built", x: 0, w: pct(built) },
    { cls: "failed", x: pct(built), w: pct(failed) },
    { cls: "running", x: pct(built) + pct(failed), w: pct(running) },
  ];
  return (
    <div class="progress" role="img" aria-label={label} title={label} id={p.id}>
      <svg viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">
        {segments.map((s) => (
          <rect class={s.cls} x={String(s.x)} y="0" width={String(s.w)} height="1" />
        ))}
      </svg>
    </div>
  );
}

export const CountList = (p: { counts: Partial<Record<string, number>> }) => (
  <ul class="counts">
    {STATUS_ORDER.filter((s) => (p.counts[s] ?? 0) > 0).map((s) => (
      <li>
        <span class="status" data-status={s}>
          {p.counts[s]} {s}
        </span>
      </li>
    ))}
  </ul>
);

/** A table's column headers; `{ num }` columns hold numbers and are right-aligned like their cells. */
export const Columns = (p: { names: (string | { num: string })[] }) => (
  <thead>
    <tr>
      {p.names.map((c) =>
        typeof c === "string" ? (
          <th scope="col">{c}</th>
        ) : (
          <th scope="col" class="num">
            {c.num}
          </th>
        ),
      )}
    </tr>
  </thead>
);

export const CsrfField = (p: { csrf: string }) => <input type="hidden" name="_csrf" value={p.csrf} />;

/** "12 more" after a capped list. */
export function More(p: { shown: number; total: number; children?: Child }) {
  if (p.total <= p.shown) return null;
  return (
    <p class="muted small">
      … and {p.total - p.shown} more{p.children ? " " : ""}
      {p.children}
    </p>
  );
}

/** Long lists on pages show this many items, then say how many more there are. */
export const LIST_CAP = 100;

export function capped<T>(items: T[], render: (item: T) => unknown) {
  return (
    <>
      <ul>
        {items.slice(0, LIST_CAP).map((i) => (
          <li>{render(i) as string}</li>
        ))}
      </ul>
      <More shown={LIST_CAP} total={items.length} />
    </>
  );
}
