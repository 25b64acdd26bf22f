// Merging a pkgbase for one architecture (src/core/README.md, Reading .SRCINFO): which packages it builds there, with
// which relations.
import { type MergedPackage, RELATION_KEYS, type RelationLists, type Srcinfo, type SrcinfoPackage } from "./types";

/** Whether a package (effective arch list) is built for the concrete architecture `arch`. */
export const builtFor = (pkg: Pick<SrcinfoPackage, "arch">, arch: string): boolean =>
  pkg.arch.includes(arch) || pkg.arch.includes("any");

/** The packages a pkgbase builds for `arch`: generic lists followed by that architecture's own lists. */
export function mergeForArch(srcinfo: Srcinfo, arch: string): MergedPackage[] {
  const merged: MergedPackage[] = [];
  for (const pkg of srcinfo.packages) {
    if (!builtFor(pkg, arch)) continue;
    const specific = pkg.archSpecific[arch] ?? {};
    const lists = {} as RelationLists;
    for (const key of RELATION_KEYS) lists[key] = [...pkg[key], ...(specific[key] ?? [])];
    merged.push({ pkgname: pkg.pkgname, arch: [...pkg.arch], ...lists });
  }
  return merged;
}

/**
 * The concrete architectures a .SRCINFO names (pkgbase and package arch lists, file order, no `any`).
 * Empty when it names only `any`: callers then use their default architecture.
 */
export function concreteArchitectures(srcinfo: Srcinfo): string[] {
  const seen = new Set<string>();
  for (const a of [...srcinfo.arch, ...srcinfo.packages.flatMap((p) => p.arch)]) if (a !== "any") seen.add(a);
  return [...seen];
}

// The name a relation resolves by (`libfoo.so=1-64` → `libfoo.so`): relation.ts owns the grammar.
export { relationName } from "./relation";
