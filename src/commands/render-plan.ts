// `buildbtw plan`'s human output, the same for a local plan and the server's: per architecture the build order,
// cycles and duplicate pkgnames, then what was read.
import type { Plan } from "../api/schemas";
import { duplicatePkgnames, duplicateSentence } from "../core/duplicates";
import { cycleLines, plural } from "./client-style";

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
