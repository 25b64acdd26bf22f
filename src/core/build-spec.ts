// What a build of (pkgbase, commit, arch) must produce, derived from its .SRCINFO and the server's bump.
import type { PkgrelBump } from "./bump";
import { bumpedVersion } from "./bump";
import { mergeForArch } from "./merge";
import { packageFileName } from "./package-file";
import type { BuildSpec, NodeKind } from "./records";
import type { Srcinfo } from "./types";

/** How the server builds a node: an origin as committed, a rebuild usually with its pkgrel bumped. */
export interface NodeBuild {
  kind: NodeKind;
  bump: PkgrelBump | null;
}
export const AS_COMMITTED: NodeBuild = { kind: "origin", bump: null };

export function buildSpec(srcinfo: Srcinfo, arch: string, node: NodeBuild = AS_COMMITTED): BuildSpec {
  const { kind, bump } = node;
  const version = bumpedVersion(srcinfo.version, bump);
  const packages = mergeForArch(srcinfo, arch).map((p) => {
    const pkgArch = p.arch.includes("any") ? "any" : arch;
    return {
      pkgname: p.pkgname,
      arch: pkgArch,
      file: packageFileName({ pkgname: p.pkgname, version, arch: pkgArch }),
      depends: p.depends,
      optdepends: p.optdepends,
      provides: p.provides,
      conflicts: p.conflicts,
      replaces: p.replaces,
    };
  });
  // devtools' makepkg.conf enables `debug`: makepkg then also writes <pkgbase>-debug for an
  // architecture-specific pkgbase when it finds debug symbols (never for `any` packages).
  const debugFile = packages.some((p) => p.arch !== "any")
    ? packageFileName({ pkgname: `${srcinfo.pkgbase}-debug`, version, arch })
    : null;
  return { version, kind, bump, packages, debugFile };
}

/** The files every successful build uploads. */
export const expectedFiles = (spec: BuildSpec): string[] => spec.packages.map((p) => p.file);

/** Files a build may upload besides the expected ones (the -debug package). */
export const optionalFiles = (spec: BuildSpec): string[] =>
  spec.debugFile && !expectedFiles(spec).includes(spec.debugFile) ? [spec.debugFile] : [];

export const kindOf = (spec: BuildSpec): NodeKind => spec.kind ?? (spec.bump ? "rebuild" : "origin");

/** The committed version: what the packager's PKGBUILD says before any bump. */
export const committedVersion = (spec: BuildSpec) =>
  spec.bump ? { ...spec.version, pkgrel: spec.bump.from } : spec.version;
