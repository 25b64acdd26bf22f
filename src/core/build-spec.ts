// What a build of (pkgbase, commit, arch) must produce, derived from its .SRCINFO.
import { mergeForArch } from "./merge";
import { packageFileName } from "./package-file";
import type { BuildSpec } from "./records";
import type { Srcinfo } from "./types";

export function buildSpec(srcinfo: Srcinfo, arch: string): BuildSpec {
  return {
    version: srcinfo.version,
    packages: mergeForArch(srcinfo, arch).map((p) => {
      const pkgArch = p.arch.includes("any") ? "any" : arch;
      return {
        pkgname: p.pkgname,
        arch: pkgArch,
        file: packageFileName({ pkgname: p.pkgname, version: srcinfo.version, arch: pkgArch }),
        depends: p.depends,
        optdepends: p.optdepends,
        provides: p.provides,
        conflicts: p.conflicts,
        replaces: p.replaces,
      };
    }),
  };
}

export const expectedFiles = (spec: BuildSpec): string[] => spec.packages.map((p) => p.file);
