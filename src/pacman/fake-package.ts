// Synthetic packages: real, installable .pkg.tar.zst files with chosen metadata and almost no contents,
// laid out as makepkg lays them out (.BUILDINFO, .MTREE, .PKGINFO, then the payload, all owned by root
// and stamped with the build date). The `fake` build driver and load tests use them.
import { createHash } from "node:crypto";
import { constants, gzipSync, zstdCompressSync } from "node:zlib";
import { Invalid } from "../core/errors";
import { InvalidName, parseArch, parsePkgbase, parsePkgname } from "../core/names";
import { formatVersion } from "../core/package-file";
import type { Version } from "../core/types";
import { formatMtree } from "./mtree";
import { formatPkgInfo, isFullVersion, type PkgInfo } from "./pkginfo";
import { type TarInput, writeTar } from "./tar";

/** What a synthetic package says about itself; everything but the names, version and arch is optional. */
export interface SyntheticPackage {
  pkgname: string;
  pkgbase: string;
  /** A version, or the full `[epoch:]pkgver-pkgrel` string. */
  version: Version | string;
  /** A concrete architecture or `any`. */
  arch: string;
  pkgdesc?: string;
  url?: string;
  license?: string[];
  packager?: string;
  /** Seconds since the epoch; default now. Every entry's mtime is set to it, as makepkg does. */
  builddate?: number;
  depends?: string[];
  optdepends?: string[];
  makedepends?: string[];
  checkdepends?: string[];
  provides?: string[];
  conflicts?: string[];
  replaces?: string[];
  groups?: string[];
}

/** Extra payload: paths relative to the installation root (`etc/foo.conf`) and their contents. */
export type PackageFiles = Readonly<Record<string, string | Uint8Array>>;

/** Where every synthetic package puts one small file, so that an installation is observable. */
export const payloadPath = (pkgname: string): string => `usr/share/buildbtw-fake/${pkgname}`;

const utf8 = new TextEncoder();

/** The bytes of a valid .pkg.tar.zst for `meta`: pacman -U/-S install it, pacman -Qip shows its metadata. */
export function buildPackage(meta: SyntheticPackage, files: PackageFiles = {}): Uint8Array<ArrayBuffer> {
  const version = typeof meta.version === "string" ? meta.version : formatVersion(meta.version);
  checkMeta(meta, version);
  const builddate = meta.builddate ?? Math.floor(Date.now() / 1000);
  const payload = new Map<string, Uint8Array>([
    [payloadPath(meta.pkgname), utf8.encode(`${meta.pkgname} ${version} ${meta.arch}\n`)],
  ]);
  for (const [path, content] of Object.entries(files)) {
    payload.set(checkPayloadPath(path), typeof content === "string" ? utf8.encode(content) : content);
  }

  const pkginfo: PkgInfo = {
    pkgname: meta.pkgname,
    pkgbase: meta.pkgbase,
    version,
    pkgdesc: meta.pkgdesc ?? `Synthetic package ${meta.pkgname} built by buildbtw`,
    url: meta.url ?? "",
    builddate,
    packager: meta.packager ?? "buildbtw <buildbtw@localhost>",
    // makepkg's dirsize: the payload's regular files, before the metadata files exist.
    size: [...payload.values()].reduce((n, data) => n + data.length, 0),
    arch: meta.arch,
    license: meta.license ?? ["MIT"],
    groups: meta.groups ?? [],
    backup: [],
    depends: meta.depends ?? [],
    optdepends: meta.optdepends ?? [],
    makedepends: meta.makedepends ?? [],
    checkdepends: meta.checkdepends ?? [],
    provides: meta.provides ?? [],
    conflicts: meta.conflicts ?? [],
    replaces: meta.replaces ?? [],
  };
  const file = (path: string, data: Uint8Array): TarInput => ({
    path,
    type: "file",
    mode: 0o644,
    mtime: builddate,
    data,
  });
  const dir = (path: string): TarInput => ({ path, type: "dir", mode: 0o755, mtime: builddate });

  const tree: TarInput[] = [
    ...parentDirectories([...payload.keys()]).map(dir),
    ...[...payload].map(([path, data]) => file(path, data)),
  ].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const buildinfo = file(".BUILDINFO", utf8.encode(formatBuildInfo(pkginfo)));
  const pkginfoFile = file(".PKGINFO", utf8.encode(formatPkgInfo(pkginfo, "buildbtw (synthetic package)")));
  // .MTREE describes everything but itself; the archive lists the dot-files first, like makepkg's sorted glob.
  const mtree = file(".MTREE", gzipSync(formatMtree([buildinfo, pkginfoFile, ...tree])));
  // With a content checksum, as the zstd command makepkg runs writes by default.
  const tar = writeTar([buildinfo, mtree, pkginfoFile, ...tree]);
  return new Uint8Array(zstdCompressSync(tar, { params: { [constants.ZSTD_c_checksumFlag]: 1 } }));
}

// makepkg's write_buildinfo (format 2), with this builder in place of makepkg and no build environment.
function formatBuildInfo(info: PkgInfo): string {
  const lines = [
    "format = 2",
    `pkgname = ${info.pkgname}`,
    `pkgbase = ${info.pkgbase}`,
    `pkgver = ${info.version}`,
    `pkgarch = ${info.arch}`,
    `pkgbuild_sha256sum = ${createHash("sha256").update(`synthetic ${info.pkgbase} ${info.version}\n`).digest("hex")}`,
    `packager = ${info.packager}`,
    `builddate = ${info.builddate}`,
    "builddir = /build",
    "startdir = /startdir",
    "buildtool = buildbtw",
    "buildtoolver = synthetic",
  ];
  return `${lines.join("\n")}\n`;
}

function parentDirectories(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs];
}

function checkMeta(meta: SyntheticPackage, version: string): void {
  try {
    parsePkgname(meta.pkgname);
    parsePkgbase(meta.pkgbase);
    if (meta.arch !== "any") parseArch(meta.arch);
  } catch (error) {
    if (error instanceof InvalidName) throw new Invalid(`Cannot build a synthetic package: ${error.message}.`);
    throw error;
  }
  if (!isFullVersion(version))
    throw new Invalid(`Cannot build a synthetic package: ${JSON.stringify(version)} is not [epoch:]pkgver-pkgrel.`);
  const values = Object.values(meta).flat();
  if (values.some((v) => typeof v === "string" && /[\r\n]/.test(v))) {
    throw new Invalid(`Cannot build a synthetic package: a value for ${meta.pkgname} contains a line break.`);
  }
}

function checkPayloadPath(path: string): string {
  const parts = path.split("/");
  if (path.startsWith("/") || path.startsWith(".") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Invalid(
      `Cannot build a synthetic package: ${JSON.stringify(path)} is not a relative path inside the package.`,
    );
  }
  return path;
}
