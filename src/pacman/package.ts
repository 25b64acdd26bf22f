// Reading a package file: what the repository database needs to know about it (repo-add's db_write_entry).
import { createHash } from "node:crypto";
import {
  type Compression,
  CompressionError,
  DEFAULT_MAX_UNPACKED_BYTES,
  decompress,
  detectCompression,
} from "./compression";
import { NotAPackage } from "./errors";
import { InvalidPkgInfo, type PkgInfo, parsePkgInfo } from "./pkginfo";
import { readTar, TarError } from "./tar";
import { TarScanner } from "./tar-scan";

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

/** A package file on disk, hashed while it was received. */
export interface PackageFile {
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

export interface FileInspectOptions {
  /** Refuse archives that unpack to more than this, however large the file (default 64 GiB). */
  maxUnpackedBytes?: number;
  /** Refuse archives that unpack to more than this many times their file size (default 100)… */
  maxRatio?: number;
  /** …once past this many bytes, so small packages of sparse data still pass (default 1 GiB). */
  ratioFloorBytes?: number;
}

/** .PKGINFO comes first in a package (makepkg writes the dot-files before the rest); look no further. */
const PKGINFO_WITHIN_ENTRIES = 16;
const MAX_PKGINFO_BYTES = 1024 * 1024;
/** The file list is kept for the .files database; a package listing more than this is refused. */
const MAX_LISTED_PATH_BYTES = 128 * 1024 * 1024;

const DECOMPRESSORS: Record<Exclude<Compression, "none">, string[]> = { zstd: ["zstd", "-dcq"], gzip: ["gzip", "-dc"] };

/**
 * inspectPackage for a file on disk, in bounded memory: the archive is unpacked by a child process (off
 * the event loop) and read as it streams, counting what it unpacks to; a zstd or gzip bomb is refused as
 * soon as it passes its bound, and the child is killed.
 */
export async function inspectPackageFile(file: PackageFile, options: FileInspectOptions = {}): Promise<PackageInfo> {
  const maxUnpacked = Math.min(
    options.maxUnpackedBytes ?? 64 * 1024 ** 3,
    Math.max(options.ratioFloorBytes ?? 1024 ** 3, (options.maxRatio ?? 100) * file.size),
  );
  const head = new Uint8Array(await Bun.file(file.path).slice(0, 512).arrayBuffer());
  let compression: Compression;
  try {
    compression = detectCompression(head);
  } catch (error) {
    if (error instanceof CompressionError) throw new NotAPackage(error.message);
    throw error;
  }
  const child =
    compression === "none"
      ? null
      : Bun.spawn(DECOMPRESSORS[compression], {
          stdin: Bun.file(file.path),
          stdout: "pipe",
          stderr: "pipe",
        });
  const stream: ReadableStream<Uint8Array> = child ? child.stdout : Bun.file(file.path).stream();

  const files: string[] = [];
  let listedBytes = 0;
  let entries = 0;
  let pkginfoText: string | null = null;
  const scanner = new TarScanner(
    (entry) => {
      entries++;
      if (escapes(entry.path) || (entry.type === "hardlink" && escapes(entry.linkname)))
        throw new NotAPackage(`its entry ${JSON.stringify(entry.path)} points outside the installation root`);
      if (!entry.path.startsWith(".")) {
        listedBytes += entry.path.length;
        if (listedBytes > MAX_LISTED_PATH_BYTES) throw new NotAPackage("it lists too many files");
        files.push(entry.path);
      }
      if (pkginfoText === null && entries > PKGINFO_WITHIN_ENTRIES)
        throw new NotAPackage(`it has no .PKGINFO among its first ${PKGINFO_WITHIN_ENTRIES} entries`);
      return entry.path === ".PKGINFO" && entry.type === "file" ? MAX_PKGINFO_BYTES : undefined;
    },
    (_entry, data) => {
      pkginfoText = new TextDecoder().decode(data);
    },
  );
  let unpacked = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      unpacked += chunk.byteLength;
      if (unpacked > maxUnpacked)
        throw new NotAPackage(
          `it unpacks to more than ${maxUnpacked} bytes from a file of ${file.size} bytes (refused as a decompression bomb)`,
        );
      scanner.push(chunk);
      if (scanner.finished) break;
    }
    if (!scanner.finished) {
      const code = child ? await child.exited : 0;
      if (code !== 0) {
        const why = (await new Response(child?.stderr).text()).trim().split("\n")[0] ?? "";
        throw new NotAPackage(`its ${compression} stream is corrupt${why ? ` (${why})` : ""}`);
      }
      scanner.end();
    }
  } catch (error) {
    if (error instanceof TarError) throw new NotAPackage(error.message);
    throw error;
  } finally {
    child?.kill();
    await reader.cancel().catch(() => {});
  }
  if (pkginfoText === null) throw new NotAPackage("it has no .PKGINFO");
  let pkginfo: PkgInfo;
  try {
    pkginfo = parsePkgInfo(pkginfoText);
  } catch (error) {
    if (error instanceof InvalidPkgInfo) throw new NotAPackage(error.message);
    throw error;
  }
  return { pkginfo, files: sortUniqueBytewise(files), csize: file.size, sha256: file.sha256, md5: file.md5 };
}
