// The JSON of `buildbtw srcinfo FILE [--arch A] --json` (src/core/README.md, Reading .SRCINFO): merged packages per
// concrete architecture. Key order is part of the contract, so objects are built in that order.
import { concreteArchitectures, mergeForArch } from "./merge";
import { RELATION_KEYS, type RelationLists, type Srcinfo, type Version } from "./types";

export interface SrcinfoJsonPackage extends RelationLists {
  pkgname: string;
  /** The package's own architecture list after override, e.g. ["any"] or ["x86_64", "aarch64"]. */
  arch: string[];
}

export interface SrcinfoJson {
  pkgbase: string;
  version: Version;
  architectures: Record<string, SrcinfoJsonPackage[]>;
}

export interface SrcinfoJsonOptions {
  /** Only this concrete architecture; by default every one the file names. */
  arch?: string;
  /** Where a file that names only `any` is shown (x86_64 in the CLI). */
  defaultArch: string;
}

export function srcinfoJson(srcinfo: Srcinfo, opts: SrcinfoJsonOptions): SrcinfoJson {
  const named = concreteArchitectures(srcinfo);
  const arches = opts.arch !== undefined ? [opts.arch] : named.length > 0 ? named : [opts.defaultArch];
  const architectures: Record<string, SrcinfoJsonPackage[]> = {};
  for (const arch of arches) {
    architectures[arch] = mergeForArch(srcinfo, arch).map((pkg) => {
      const out = { pkgname: pkg.pkgname, arch: pkg.arch } as SrcinfoJsonPackage;
      for (const key of RELATION_KEYS) out[key] = pkg[key];
      return out;
    });
  }
  const { epoch, pkgver, pkgrel } = srcinfo.version;
  return { pkgbase: srcinfo.pkgbase, version: { epoch, pkgver, pkgrel }, architectures };
}
