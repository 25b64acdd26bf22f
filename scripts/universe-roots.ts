// Picking benchmark roots in a (synthetic) universe: pkgbases ranked by their number of direct runtime
// dependents, which in a heavy-tailed universe is where the large transitive rebuilds start.

import { relationName } from "../src/core/merge";
import type { SourceEntry } from "../src/core/types";

export function rankByDirectDependents(entries: ReadonlyMap<string, SourceEntry>, limit: number): string[] {
  const owner = new Map<string, string>();
  for (const e of entries.values()) for (const p of e.srcinfo.packages) owner.set(p.pkgname, e.pkgbase);
  const direct = new Map<string, number>();
  for (const e of entries.values())
    for (const p of e.srcinfo.packages)
      for (const d of p.depends) {
        const o = owner.get(relationName(d));
        if (o) direct.set(o, (direct.get(o) ?? 0) + 1);
      }
  return [...direct.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([p]) => p);
}
