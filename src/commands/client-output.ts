// What the client commands (new, list, show, cancel, resume, retry, logs, plan --server) share: the
// connection with its token rule, checks of names given on the command line, and the human rendering —
// builds grouped by status with icons and counts, tables, and colours only on a terminal without NO_COLOR.
// Everything here returns lines or values; the commands decide what goes to stdout and which exit code.

import { z } from "zod";
import { pacmanConfSection } from "../api/routes";
import type { Eta, NamespaceDetail, Plan } from "../api/schemas";
import { type ApiClient, createApiClient, type NamespaceListBody } from "../client/api-client";
import { type ClientFlags, loadClientConfig } from "../config/client";
import { type BuildStatus, STATUS_ICON } from "../core/build-states";
import { duplicatePkgnames, duplicateSentence } from "../core/duplicates";
import { Forbidden, Invalid, Unauthorized } from "../core/errors";
import { estimateText, runningText } from "../core/estimates";
import { parseArch, parseNamespaceName, parseOriginChangeset, parsePkgbase } from "../core/names";
import type { Arch, IncludeKind, NamespaceName, Pkgbase } from "../core/types";

// ── talking to the server ───────────────────────────────────────────────────

const WHERE_THE_TOKEN_IS =
  "log in with `buildbtw auth login`, or pass a personal or bot token with --token or BUILDBTW_TOKEN (for set-up, the bootstrap admin token: BUILDBTW_ADMIN_TOKEN, or the file DATA_DIR/admin-token on the server host)";

/** A client for reading (no token needed) or for changing (the admin token is checked before any request). */
export function connect(flags: ClientFlags, access: "read" | "change" = "read"): ApiClient {
  const config = loadClientConfig(flags);
  if (access === "change" && !config.token) throw new Unauthorized(`this changes the server: ${WHERE_THE_TOKEN_IS}`);
  return createApiClient({ serverUrl: config.serverUrl, token: config.token });
}

/** A change the server refused for want of the right token says where the right one is. */
export async function asAdmin<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof Unauthorized) throw new Unauthorized(`${error.message}; ${WHERE_THE_TOKEN_IS}`);
    if (error instanceof Forbidden) throw new Forbidden(`${error.message}; ${WHERE_THE_TOKEN_IS}`);
    throw error;
  }
}

export type ListedNamespace = NamespaceListBody["namespaces"][number];

/** A namespace as the list shows it (status, counts, latest iteration: light, no nodes), cancelled ones too. */
export async function listedNamespace(client: ApiClient, name: string): Promise<ListedNamespace | undefined> {
  return (await client.namespaces.list({ all: true })).namespaces.find((n) => n.name === name);
}

/** The web UI's page of a namespace. */
export const namespaceUrl = (serverUrl: string, name: string) => `${serverUrl}/namespaces/${encodeURIComponent(name)}`;

/**
 * The pacman.conf section for a namespace's latest repository, as the server writes it (README.md, Architecture: pacman
 * repositories).
 */
export const pacmanConf = (serverUrl: string, name: string): string => pacmanConfSection(serverUrl, name, "latest");

// ── command-line values ─────────────────────────────────────────────────────

export function namespaceArg(value: string | undefined): NamespaceName {
  if (value === undefined || value === "") throw new Invalid("name the namespace, e.g. zlib");
  return parseNamespaceName(value);
}

export const pkgbaseArg = (value: string): Pkgbase => parsePkgbase(value);

export const archArg = (value: string | undefined): Arch | undefined =>
  value === undefined ? undefined : parseArch(value);

export function iterationArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(value))
    throw new Invalid(`--iteration takes an iteration id (a positive number), not ${JSON.stringify(value)}`);
  return Number(value);
}

/** `ORIGIN…` as typed: each must be pkgbase/ref; the server checks that they exist. */
export function originArgs(values: string[]): string[] {
  if (values.length === 0) throw new Invalid("name at least one origin changeset, e.g. zlib/main");
  for (const v of values) parseOriginChangeset(v);
  return values;
}

export function includeArg(raw: string | undefined): IncludeKind[] {
  if (!raw) return [];
  const kinds = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (k !== "makedepends" && k !== "checkdepends") {
      throw new Invalid(`--include takes makedepends and/or checkdepends, not ${JSON.stringify(k)}`);
    }
  }
  return [...new Set(kinds)] as IncludeKind[];
}

// ── colours ─────────────────────────────────────────────────────────────────

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

const STATUS_STYLE: Record<BuildStatus, Style> = {
  blocked: "dim",
  pending: "yellow",
  scheduled: "cyan",
  building: "blue",
  built: "green",
  failed: "red",
};

/** How counts read: finished first, then work in progress, then what waits. */
const COUNT_ORDER: readonly BuildStatus[] = ["built", "failed", "building", "scheduled", "pending", "blocked"];
/** How `show` groups builds: what needs attention first, what is done last. */
const GROUP_ORDER: readonly BuildStatus[] = ["failed", "building", "scheduled", "pending", "blocked", "built"];
/** Per group, at most this many builds are listed (failed ones always all). */
const GROUP_SHOWN = 25;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `2025-01-01T12:00:03.123Z` → `2025-01-01 12:00 UTC`; anything else as given. */
function when(iso: string): string {
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

// ── tables ──────────────────────────────────────────────────────────────────

const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string) => [...s.replace(ANSI, "")].length;

function table(headers: string[], rows: string[][], paint: Paint): string[] {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - width(c))))
      .join("  ")
      .trimEnd();
  return [paint("bold", line(headers)), ...rows.map(line)];
}

// ── list ────────────────────────────────────────────────────────────────────

export function listLines(list: NamespaceListBody, all: boolean, paint: Paint): string[] {
  if (list.namespaces.length === 0)
    return [all ? "No namespaces yet." : "No active namespaces (`buildbtw list --all` shows cancelled ones too)."];
  const rows = list.namespaces.map((ns) => {
    const p = progressOf(ns.counts);
    const progress = `${p.built}/${p.total} built${p.failed > 0 ? paint("red", `, ${p.failed} failed`) : ""}${
      p.running > 0 ? `, ${p.running} building` : ""
    }`;
    const it = ns.latest_iteration;
    return [
      paint("bold", ns.name),
      ns.status === "active" ? paint("green", ns.status) : paint("dim", ns.status),
      ns.origin_changesets.join(", "),
      `${it ? progress : ns.problem ? "" : paint("dim", "computing…")}${ns.problem ? paint("red", `${it ? ", " : ""}problem (see show)`) : ""}`,
      it ? `${it.id} (${it.reason})` : "-",
      ns.eta ? estimateText(ns.eta.remaining_ms) : "-",
      when(ns.created_at),
    ];
  });
  return table(["NAME", "STATUS", "ORIGINS", "PROGRESS", "ITERATION", "ETA", "CREATED"], rows, paint);
}

// ── show ────────────────────────────────────────────────────────────────────

/** The stored diff of a `graph_changed` iteration, as far as `show` tells it. */
const DiffSummary = z.object({
  architectures_added: z.array(z.string()).default([]),
  architectures_removed: z.array(z.string()).default([]),
  per_arch: z
    .record(
      z.string(),
      z.object({
        nodes_added: z.array(z.string()).default([]),
        nodes_removed: z.array(z.string()).default([]),
        commits_changed: z.array(z.object({ pkgbase: z.string() })).default([]),
        edges_added: z.array(z.unknown()).default([]),
        edges_removed: z.array(z.unknown()).default([]),
      }),
    )
    .default({}),
});

const someNames = (names: string[], max = 5) =>
  names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;

function diffLines(diff: unknown): string[] {
  const parsed = DiffSummary.safeParse(diff);
  if (!parsed.success || diff === null) return [];
  const d = parsed.data;
  const lines: string[] = [];
  if (d.architectures_added.length > 0) lines.push(`architectures added: ${d.architectures_added.join(", ")}`);
  if (d.architectures_removed.length > 0) lines.push(`architectures removed: ${d.architectures_removed.join(", ")}`);
  for (const [arch, a] of Object.entries(d.per_arch)) {
    const parts: string[] = [];
    if (a.commits_changed.length > 0)
      parts.push(`new commits of ${someNames(a.commits_changed.map((c) => c.pkgbase))}`);
    if (a.nodes_added.length > 0) parts.push(`added ${someNames(a.nodes_added)}`);
    if (a.nodes_removed.length > 0) parts.push(`removed ${someNames(a.nodes_removed)}`);
    const edges = a.edges_added.length + a.edges_removed.length;
    if (edges > 0) parts.push(`${plural(edges, "edge")} changed`);
    if (parts.length > 0) lines.push(`${arch}: ${parts.join("; ")}`);
  }
  return lines;
}

/** The dependency cycles of one architecture's graph and the edges dropped to break them (show and plan). */
function cycleLines(
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

type ShownNode = NonNullable<NamespaceDetail["iteration"]>["architectures"][string]["nodes"][number];

/** What `show` says about a node beside its name; `now` dates how long a running build has run. */
export function nodeDetail(n: ShownNode, now = Date.now()): string {
  const estimate = estimateText(n.estimate_ms);
  switch (n.status) {
    case "failed":
      return n.failure_reason ?? "failed";
    case "blocked":
      return [n.blocked_by.length > 0 ? `blocked by ${n.blocked_by.join(", ")}` : "", estimate]
        .filter(Boolean)
        .join("; ");
    case "building":
    case "scheduled":
      return [
        n.started_at ? runningText(Math.max(0, now - Date.parse(n.started_at)), n.estimate_ms) : estimate,
        n.worker ? `on ${n.worker}` : "",
        n.pipeline_url ?? "",
      ]
        .filter(Boolean)
        .join(" ");
    case "pending":
      return [n.attempts > 0 ? `attempt ${n.attempts + 1}` : "", estimate].filter(Boolean).join("; ");
    case "built":
      return n.reused_from_iteration !== null ? `reused from iteration ${n.reused_from_iteration}` : "";
  }
}

/** `~14 min (about 14:32 UTC), 120 builds left on 32 slots; 3 cannot finish (failed or waiting for a failure)` */
export function etaText(eta: Eta): string {
  const slots = Object.values(eta.slots).reduce((a, b) => a + b, 0);
  const stuck = eta.unfinishable > 0 ? `; ${eta.unfinishable} cannot finish (failed or waiting for a failure)` : "";
  return `${estimateText(eta.remaining_ms)} (about ${when(eta.finish_at)}), ${plural(eta.builds_left, "build")} left on ${plural(slots, "slot")}${stuck}`;
}

export function showLines(detail: NamespaceDetail, serverUrl: string, paint: Paint): string[] {
  const ns = detail.namespace;
  const it = detail.iteration;
  const lines = [
    `${paint("bold", `Namespace ${ns.name}`)} (${ns.status === "active" ? paint("green", "active") : paint("dim", ns.status)})  ${namespaceUrl(serverUrl, ns.name)}`,
    `  origins:   ${ns.origin_changesets.join(", ")}${ns.include.length > 0 ? ` (membership also follows ${ns.include.join(", ")})` : ""}`,
  ];
  if (ns.bump === "none") lines.push(`  rebuilds:  built as committed (--bump none): not for release`);
  if (ns.problem)
    lines.push(
      `  ${paint("red", "problem:")}   ${ns.problem}`,
      `             ${paint("dim", it ? "the iteration below stays until this is fixed; checked again on every ref check" : "checked again on every ref check")}`,
    );
  if (!it) {
    if (!ns.problem) lines.push("", "No iteration yet: the build graph is being computed.");
    return lines;
  }
  const latest = detail.iterations[0];
  lines.push(
    `  iteration: ${it.id} (${it.reason}, ${when(it.created_at)})${
      it.superseded ? paint("yellow", `  superseded: the latest is ${latest?.id ?? "newer"}`) : ""
    }`,
  );
  for (const d of diffLines(it.diff)) lines.push(`             ${d}`);
  const nodes = Object.values(it.architectures).flatMap((a) => a.nodes);
  const reused = nodes.filter((n) => n.reused_from_iteration !== null).length;
  if (reused > 0)
    lines.push(
      `  reused:    ${reused} of ${plural(nodes.length, "node")} unchanged since an earlier iteration, not built again`,
    );
  if (it.eta) lines.push(`  eta:       ${etaText(it.eta)}`);
  const others = detail.iterations.filter((i) => i.id !== it.id);
  if (others.length > 0)
    lines.push(
      `  others:    ${someNames(
        others.map((i) => `${i.id} (${i.reason})`),
        8,
      )}`,
    );

  for (const [arch, a] of Object.entries(it.architectures)) {
    lines.push("", `${paint("bold", arch)}: ${countsText(a.counts, paint)}`);
    for (const status of GROUP_ORDER) {
      const group = a.nodes.filter((n) => n.status === status);
      if (group.length === 0) continue;
      lines.push(`  ${STATUS_ICON[status]} ${paint(STATUS_STYLE[status], `${status} (${group.length})`)}`);
      const shown = status === "failed" ? group : group.slice(0, GROUP_SHOWN);
      const nameWidth = Math.max(...shown.map((n) => n.pkgbase.length));
      const versionWidth = Math.max(...shown.map((n) => n.version_text.length));
      for (const n of shown) {
        const detailText = nodeDetail(n);
        const head = `${n.pkgbase.padEnd(nameWidth)}  ${n.version_text}`;
        lines.push(
          `      ${detailText ? `${head.padEnd(nameWidth + 2 + versionWidth)}  ${paint("dim", detailText)}` : head}`,
        );
      }
      if (group.length > shown.length) lines.push(`      … and ${group.length - shown.length} more (--json lists all)`);
    }
    lines.push(...cycleLines(a, "      "));
    if (a.duplicate_pkgnames.length > 0)
      lines.push(
        `  ${paint("red", "problem:")} ${plural(a.duplicate_pkgnames.length, "pkgname")} built by more than one pkgbase:`,
        ...a.duplicate_pkgnames.map((d) => `      ${duplicateSentence(d)}`),
      );
  }
  lines.push("", "pacman.conf:", ...it.repository.pacman_conf.split("\n").map((l) => `  ${l}`));
  return lines;
}

// ── plan ────────────────────────────────────────────────────────────────────

const ORDER_SHOWN = 50;

/** `buildbtw plan`'s human output, the same for a local plan and the server's. */
export function planLines(plan: Plan): string[] {
  const lines: string[] = [];
  for (const [a, g] of Object.entries(plan.architectures)) {
    lines.push(`${a}: ${plural(g.nodes.length, "package")} to build`);
    const shown = g.order.slice(0, ORDER_SHOWN);
    for (const [i, p] of shown.entries()) lines.push(`  ${String(i + 1).padStart(4)}. ${p}`);
    if (g.order.length > ORDER_SHOWN) lines.push(`        … and ${g.order.length - ORDER_SHOWN} more`);
    lines.push(...cycleLines(g, "    "));
    for (const d of duplicatePkgnames(g.nodes)) lines.push(`  problem: ${duplicateSentence(d)}`);
    lines.push("");
  }
  const s = plan.stats;
  lines.push(
    `${s.pkgbases} pkgbases read, ${s.skipped_srcinfo} skipped (bad or missing .SRCINFO), ${s.unresolved} dependency names unresolved, ${s.ms} ms`,
  );
  return lines;
}
