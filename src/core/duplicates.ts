// Two pkgbases of one namespace that build the same pkgname: their package files have the same name in the
// namespace's repository, so only one can be there. A namespace problem, shown like a cycle.

export interface DuplicatePkgname {
  pkgname: string;
  /** Every pkgbase of the graph that builds it, sorted. */
  pkgbases: string[];
}

/** The pkgnames more than one node of an architecture's graph builds, sorted by pkgname. */
export function duplicatePkgnames(
  nodes: readonly { pkgbase: string; pkgnames: readonly string[] }[],
): DuplicatePkgname[] {
  const builders = new Map<string, Set<string>>();
  for (const n of nodes) {
    for (const name of n.pkgnames) {
      const set = builders.get(name) ?? new Set<string>();
      set.add(n.pkgbase);
      builders.set(name, set);
    }
  }
  const out: DuplicatePkgname[] = [];
  for (const [pkgname, set] of builders) if (set.size > 1) out.push({ pkgname, pkgbases: [...set].sort() });
  return out.sort((a, b) => (a.pkgname < b.pkgname ? -1 : a.pkgname > b.pkgname ? 1 : 0));
}

/** One sentence per duplicate, for the CLI and the web UI. */
export const duplicateSentence = (d: DuplicatePkgname): string =>
  `${d.pkgname} is built by ${d.pkgbases.join(" and ")}: only the first upload is kept, the other build fails`;
