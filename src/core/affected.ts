// Which namespaces a source change can concern, so only those are recomputed (src/core/README.md, Iterations).
import type { ArchGraph } from "./graph";
import { relationName } from "./merge";
import { RELATION_KEYS, type SourceEntry } from "./types";

const RESOLVING_KEYS = RELATION_KEYS.filter((k) => k !== "optdepends" && k !== "conflicts" && k !== "replaces");

/** Every name a package mentions that can link it into a graph: its dependencies and what it provides. */
function mentionedNames(entry: SourceEntry): string[] {
  return entry.srcinfo.packages.flatMap((p) => [
    ...RESOLVING_KEYS.flatMap((k) => p[k]),
    ...Object.values(p.archSpecific).flatMap((lists) => RESOLVING_KEYS.flatMap((k) => lists[k] ?? [])),
  ]);
}

/**
 * Whether changed pkgbases may change a namespace's graph: one of them is a member (its commit or
 * relations changed), is gone, or mentions a name a member builds or provides (it may have joined,
 * or may now provide what a member depends on).
 */
export function mayAffect(
  graph: Record<string, ArchGraph>,
  changed: readonly string[],
  entryOf: (pkgbase: string) => SourceEntry | undefined,
): boolean {
  const changedSet = new Set(changed);
  const memberNames = new Set<string>();
  for (const g of Object.values(graph)) {
    for (const n of g.nodes) {
      if (changedSet.has(n.pkgbase)) return true;
      memberNames.add(n.pkgbase);
      for (const name of n.pkgnames) memberNames.add(name);
      for (const p of entryOf(n.pkgbase)?.srcinfo.packages ?? [])
        for (const v of p.provides) memberNames.add(relationName(v));
    }
  }
  for (const pkgbase of changed) {
    const entry = entryOf(pkgbase);
    if (!entry) return true;
    if (mentionedNames(entry).some((n) => memberNames.has(relationName(n)))) return true;
  }
  return false;
}
