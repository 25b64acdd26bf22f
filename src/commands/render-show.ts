// `buildbtw show`'s human output: a namespace, its iteration and what changed in it, then per architecture the
// builds grouped by status (what needs attention first), cycles, duplicate pkgnames and the pacman.conf section.
import { z } from "zod";
import type { Eta, NamespaceDetail } from "../api/schemas";
import { type BuildStatus, STATUS_ICON } from "../core/build-states";
import { duplicateSentence } from "../core/duplicates";
import { estimateText, runningText } from "../core/estimates";
import { namespaceUrl } from "./client-connect";
import { countsText, cycleLines, type Paint, plural, STATUS_STYLE, someNames, when } from "./client-style";

/** How `show` groups builds: what needs attention first, what is done last. */
const GROUP_ORDER: readonly BuildStatus[] = ["failed", "building", "scheduled", "pending", "blocked", "built"];
/** Per group, at most this many builds are listed (failed ones always all). */
const GROUP_SHOWN = 25;

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
