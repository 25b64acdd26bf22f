// Reading a package file: what the repository database needs to know about it (repo-add's db_write_entry).
import { createHash } from "node:crypto";
import { CompressionError, DEFAULT_MAX_UNPACKED_BYTES, decompress } from "./compression";
import { NotAPackage } from "./errors";
import { InvalidPkgInfo, type PkgInfo, parsePkgInfo } from "./pkginfo";
import { readTar, TarError } from "./tar";

export interface PackageInfo {
  pkginfo: PkgInfo;
  /**
   * The package's paths as its archive stores them (directories end in `/`), without the metadata files
   * at its top (.PKGINFO, .MTREE, …), sorted bytewise: the %FILES% list of the .files database.
   */
  files: string[];
  /** Size of the package file itself in bytes. */
  csize: number;
  sha256: string;
  md5: string;
}

export interface InspectOptions {
  /** Refuse packages whose tar archive is larger than this (default DEFAULT_MAX_UNPACKED_BYTES). */
  maxUnpackedBytes?: number;
}

/** Read a .pkg.tar.zst (or .gz, or plain tar); throws NotAPackage with one sentence when it is not one. */
export function inspectPackage(bytes: Uint8Array, options: InspectOptions = {}): PackageInfo {
  let entries: ReturnType<typeof readTar>;
  try {
    entries = readTar(decompress(bytes, options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES));
  } catch (error) {
    if (error instanceof CompressionError || error instanceof TarError) throw new NotAPackage(error.message);
    throw error;
  }
  const files: string[] = [];
  let pkginfoText: string | null = null;
  for (const entry of entries) {
    if (entry.path === ".PKGINFO" && entry.type === "file") pkginfoText = new TextDecoder().decode(entry.data);
    // A hard link's target is a path from the root too (a symlink's is resolved where it lies, and may be absolute).
    if (escapes(entry.path) || (entry.type === "hardlink" && escapes(entry.linkname)))
      throw new NotAPackage(`its entry ${JSON.stringify(entry.path)} points outside the installation root`);
    // repo-add lists `bsdtar --exclude='^.*' -tf`: everything but the dot-files at the top.
    if (!entry.path.startsWith(".")) files.push(entry.path);
  }
  if (pkginfoText === null) throw new NotAPackage("it has no .PKGINFO");
  let pkginfo: PkgInfo;
  try {
    pkginfo = parsePkgInfo(pkginfoText);
  } catch (error) {
    if (error instanceof InvalidPkgInfo) throw new NotAPackage(error.message);
    throw error;
  }
  return {
    pkginfo,
    files: sortUniqueBytewise(files),
    csize: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    md5: createHash("md5").update(bytes).digest("hex"),
  };
}

function escapes(path: string): boolean {
  return path.startsWith("/") || path.split("/").includes("..");
}

/** `LC_ALL=C sort -u`: compare UTF-8 bytes, not UTF-16 code units. */
function sortUniqueBytewise(values: readonly string[]): string[] {
  const encoded = [...new Set(values)].map((v) => ({ v, b: Buffer.from(v, "utf8") }));
  encoded.sort((x, y) => Buffer.compare(x.b, y.b));
  return encoded.map((e) => e.v);
}
