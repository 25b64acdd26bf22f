// The release check: what releasing a namespace's iteration would do to the distribution, and whether
// that is safe. The universe at main, with the packages the namespace built put in place of their main
// versions (their real .PKGINFO depends and provides), must still satisfy every dependency that names
// something a namespace package provides now or provided before — version constraints and soname
// versions included. A namespace package that was not rebuilt stays at main; when it depends on a soname
// an origin provided at main with a version, it was linked against that version and still needs it.
import { isRelationProblem, readRelation, satisfies } from "./relation";
import type { Relation } from "./types";

/** One package as the check sees it: its name, full version and relations. */
export interface CheckedPackage {
  pkgname: string;
  /** `[epoch:]pkgver-pkgrel`. */
  version: string;
  depends: string[];
  provides: string[];
}

/** A pkgbase of the universe at main (its .SRCINFO merged for the architecture). */
export interface MainPkgbase {
  pkgbase: string;
  version: string;
  packages: CheckedPackage[];
}

/** A node of the iteration: its built packages (from their .PKGINFO) when it finished built. */
export interface ReleaseNode {
  pkgbase: string;
  kind: "origin" | "rebuild";
  /** Why it was not rebuilt, when it was not ("build failed", "blocked", …); null when built. */
  notBuilt: string | null;
  built: CheckedPackage[];
}

export interface UnmetDependency {
  /** The package that needs it, with where its version comes from. */
  pkgname: string;
  pkgbase: string;
  version: string;
  /** "built" or "main, not rebuilt: build failed" or "main". */
  source: string;
  needs: string;
  /** Every provision of that name after the release (`libcore.so=2-64`, or a package `name=version`). */
  provided: string[];
}

/** `tool-b 1.0-1 (main, not rebuilt: build failed) needs libcore.so=1-64; after release only libcore.so=2-64 is provided`. */
export const unmetSentence = (u: UnmetDependency): string =>
  `${u.pkgname} ${u.version} (${u.source}) needs ${u.needs}; after release ${
    u.provided.length === 0
      ? `nothing provides ${relationNameOf(u.needs)}`
      : `only ${u.provided.join(", ")} is provided`
  }`;

const relationNameOf = (s: string): string => {
  const r = readRelation(s);
  return isRelationProblem(r) ? s : r.name;
};

/** A soname, as makepkg writes them into provides and depends (`libfoo.so`, `libfoo.so=1-64`). */
const isSoname = (name: string): boolean => /\.so(\.|$)/.test(name);

function parse(s: string): Relation | null {
  const r = readRelation(s);
  return isRelationProblem(r) ? null : r;
}

interface Provider {
  pkgname: string;
  /** The package's own version when it is the name itself, else the provision's version (or null). */
  version: string | null;
  /** Whether this is the package itself (a versioned dependency on a package compares its version). */
  own: boolean;
}

/** The soname provisions among `provides` (for the report: before and after). */
export const sonameProvisions = (provides: readonly string[]): string[] =>
  provides.filter((p) => {
    const r = parse(p);
    return r !== null && isSoname(r.name);
  });

/**
 * Every dependency of the universe after the release that names something a namespace package provides
 * now or provided before, and is not met.
 */
export function unmetDependencies(main: Iterable<MainPkgbase>, nodes: readonly ReleaseNode[]): UnmetDependency[] {
  const inNamespace = new Map(nodes.map((n) => [n.pkgbase, n]));
  const mainOf = new Map<string, MainPkgbase>();
  for (const m of main) mainOf.set(m.pkgbase, m);

  // The universe after the release: built packages for built nodes, main's for everything else.
  const after: { pkgbase: string; source: string; pkg: CheckedPackage }[] = [];
  for (const m of mainOf.values()) {
    const node = inNamespace.get(m.pkgbase);
    if (node && node.notBuilt === null) continue;
    const source = node ? `main, not rebuilt: ${node.notBuilt}` : "main";
    for (const pkg of m.packages) after.push({ pkgbase: m.pkgbase, source, pkg });
  }
  for (const n of nodes)
    if (n.notBuilt === null) for (const pkg of n.built) after.push({ pkgbase: n.pkgbase, source: "built", pkg });

  // Names a namespace package provides now or provided before: only dependencies on these are checked.
  const watched = new Set<string>();
  const addNames = (pkg: CheckedPackage) => {
    watched.add(pkg.pkgname);
    for (const p of pkg.provides) {
      const r = parse(p);
      if (r) watched.add(r.name);
    }
  };
  for (const n of nodes) {
    for (const pkg of n.built) addNames(pkg);
    for (const pkg of mainOf.get(n.pkgbase)?.packages ?? []) addNames(pkg);
  }
  // What the origins' sonames were at main: a package not rebuilt was linked against exactly that.
  const sonamesBefore = new Map<string, { version: string; pkgbase: string }>();
  for (const n of nodes) {
    if (n.kind !== "origin") continue;
    for (const pkg of mainOf.get(n.pkgbase)?.packages ?? []) {
      for (const p of pkg.provides) {
        const r = parse(p);
        if (r && isSoname(r.name) && r.op === "=" && r.version !== null)
          sonamesBefore.set(r.name, { version: r.version, pkgbase: n.pkgbase });
      }
    }
  }

  const providers = new Map<string, Provider[]>();
  const provide = (name: string, p: Provider) => {
    const list = providers.get(name) ?? [];
    list.push(p);
    providers.set(name, list);
  };
  for (const { pkg } of after) {
    if (!watched.has(pkg.pkgname) && !pkg.provides.some((p) => watched.has(parse(p)?.name ?? ""))) continue;
    provide(pkg.pkgname, { pkgname: pkg.pkgname, version: pkg.version, own: true });
    for (const p of pkg.provides) {
      const r = parse(p);
      if (r) provide(r.name, { pkgname: pkg.pkgname, version: r.op === "=" ? r.version : null, own: false });
    }
  }
  const met = (need: Relation): boolean =>
    (providers.get(need.name) ?? []).some((p) =>
      p.own ? satisfies(need, p.version ?? "") : need.op === null || (p.version !== null && satisfies(need, p.version)),
    );

  const unmet: UnmetDependency[] = [];
  for (const { pkgbase, source, pkg } of after) {
    for (const d of pkg.depends) {
      let need = parse(d);
      if (need === null || !watched.has(need.name)) continue;
      const pinned = sonamesBefore.get(need.name);
      if (source !== "built" && need.op === null && pinned && pinned.pkgbase !== pkgbase)
        need = { name: need.name, op: "=", version: pinned.version };
      if (met(need)) continue;
      unmet.push({
        pkgname: pkg.pkgname,
        pkgbase,
        version: pkg.version,
        source,
        needs: need.op && need.version !== null ? `${need.name}${need.op}${need.version}` : need.name,
        provided: (providers.get(need.name) ?? []).map((p) =>
          p.version === null ? `${need.name} (by ${p.pkgname})` : `${need.name}=${p.version}`,
        ),
      });
    }
  }
  return unmet.sort((a, b) => (a.pkgname < b.pkgname ? -1 : a.pkgname > b.pkgname ? 1 : 0));
}
