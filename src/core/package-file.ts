// Package file names as makepkg writes them: `pkgname-[epoch:]pkgver-pkgrel-arch.pkg.tar.zst`. Workers build with
// PKGEXT=.pkg.tar.zst (README.md, Architecture: workers and leases), so that is the only extension here.
import { mergeForArch } from "./merge";
import { InvalidName, parseArch, parsePkgname } from "./names";
import type { Srcinfo, Version } from "./types";

export const PACKAGE_EXTENSION = ".pkg.tar.zst";

/**
 * `[epoch:]pkgver-pkgrel`, as makepkg's get_full_version prints it: the epoch only when it is
 * greater than zero, so `0:1.0-1` is written `1.0-1`, in file names and .PKGINFO alike.
 */
export function formatVersion(v: Version): string {
  const epoch = v.epoch !== null && Number(v.epoch) > 0 ? `${v.epoch}:` : "";
  return `${epoch}${v.pkgver}-${v.pkgrel}`;
}

export interface PackageFile {
  pkgname: string;
  version: Version;
  /** A concrete architecture, or `any` for architecture-independent packages. */
  arch: string;
}

export const packageFileName = (f: PackageFile): string =>
  `${f.pkgname}-${formatVersion(f.version)}-${f.arch}${PACKAGE_EXTENSION}`;

/**
 * The reverse of packageFileName, or null when `name` is not such a file name. pkgnames may
 * contain hyphens but pkgver, pkgrel and arch may not, so the last three hyphens split it.
 */
export function parsePackageFileName(name: string): PackageFile | null {
  if (!name.endsWith(PACKAGE_EXTENSION)) return null;
  const stem = name.slice(0, -PACKAGE_EXTENSION.length);
  const archAt = stem.lastIndexOf("-");
  const pkgrelAt = stem.lastIndexOf("-", archAt - 1);
  const pkgverAt = stem.lastIndexOf("-", pkgrelAt - 1);
  if (pkgverAt <= 0 || pkgrelAt < 0 || archAt < 0) return null;
  const pkgname = stem.slice(0, pkgverAt);
  const arch = stem.slice(archAt + 1);
  if (!validName(pkgname) || !validArch(arch)) return null;
  const version = versionOf(stem.slice(pkgverAt + 1, pkgrelAt), stem.slice(pkgrelAt + 1, archAt));
  return version && { pkgname, version, arch };
}

/** A full version `[epoch:]pkgver-pkgrel` (as in .PKGINFO and package file names), or null when it is not one. */
export function parseFullVersion(text: string): Version | null {
  const pkgrelAt = text.lastIndexOf("-");
  return pkgrelAt <= 0 ? null : versionOf(text.slice(0, pkgrelAt), text.slice(pkgrelAt + 1));
}

function versionOf(withEpoch: string, pkgrel: string): Version | null {
  const colon = withEpoch.indexOf(":");
  const epoch = colon === -1 ? null : withEpoch.slice(0, colon);
  const pkgver = withEpoch.slice(colon + 1);
  if (epoch !== null && !/^[0-9]+$/.test(epoch)) return null;
  if (!/^[\x21-\x7e]+$/.test(pkgver) || /[:/<>=-]/.test(pkgver)) return null;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(pkgrel)) return null;
  return { epoch, pkgver, pkgrel };
}

/**
 * The package files one build of this pkgbase for the concrete architecture `arch` produces:
 * one per package built there (mergeForArch), `-any` for architecture-independent ones.
 */
export function expectedPackageFiles(srcinfo: Srcinfo, arch: string): string[] {
  return mergeForArch(srcinfo, arch).map((pkg) =>
    packageFileName({ pkgname: pkg.pkgname, version: srcinfo.version, arch: pkg.arch.includes("any") ? "any" : arch }),
  );
}

function validName(name: string): boolean {
  try {
    parsePkgname(name);
    return true;
  } catch (e) {
    if (e instanceof InvalidName) return false;
    throw e;
  }
}

function validArch(arch: string): boolean {
  if (arch === "any") return true;
  try {
    parseArch(arch);
    return true;
  } catch (e) {
    if (e instanceof InvalidName) return false;
    throw e;
  }
}
