// The pacman repository database, as repo-add writes it: `<repo>.db.tar.zst` with one `<name>-<version>/desc`
// per package, `<repo>.files.tar.zst` with a `files` list beside each desc, and `<repo>.db` / `<repo>.files`,
// the names pacman downloads. The server keeps one RepoEntry per uploaded package; the database is always
// a function of what is stored. A RepoIndex keeps each entry's tar records rendered, so a rewrite after one
// more upload costs a concatenation and one fast compression, not a re-rendering of every package.
import { constants, zstdCompressSync } from "node:zlib";
import { z } from "zod";
import { Invalid } from "../core/errors";
import { vercmp } from "../core/vercmp";
import { writeFileAtomic } from "./atomic";
import { decompress } from "./compression";
import type { PackageInfo } from "./package";
import type { PkgInfo } from "./pkginfo";
import { readTar, type TarInput, writeTar } from "./tar";

const utf8 = new TextEncoder();

const PkgInfoSchema = z.object({
  pkgname: z.string(),
  pkgbase: z.string(),
  version: z.string(),
  pkgdesc: z.string(),
  url: z.string(),
  builddate: z.number().int().nonnegative(),
  packager: z.string(),
  size: z.number().int().nonnegative(),
  arch: z.string(),
  license: z.array(z.string()),
  groups: z.array(z.string()),
  backup: z.array(z.string()),
  depends: z.array(z.string()),
  makedepends: z.array(z.string()),
  checkdepends: z.array(z.string()),
  optdepends: z.array(z.string()),
  provides: z.array(z.string()),
  conflicts: z.array(z.string()),
  replaces: z.array(z.string()),
}) satisfies z.ZodType<PkgInfo>;

/** One uploaded package as the repository database needs it: plain JSON, stored by the server. */
const RepoEntrySchema = z.object({
  /** The package file's name in the repository directory (%FILENAME%). */
  filename: z.string().regex(/^[^/\s]+$/),
  pkginfo: PkgInfoSchema,
  files: z.array(z.string()),
  csize: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
});
export type RepoEntry = z.infer<typeof RepoEntrySchema>;

export const repoEntry = (filename: string, info: PackageInfo): RepoEntry => ({ filename, ...info });

/** A stored entry read back (from SQLite JSON, say): throws Invalid when it is not one. */
export function parseRepoEntry(value: unknown): RepoEntry {
  const result = RepoEntrySchema.safeParse(value);
  if (!result.success)
    throw new Invalid(`Stored repository entry is malformed: ${result.error.issues[0]?.message ?? "unknown"}.`);
  return result.data;
}

/** Repository names become file names and pacman.conf sections: the pkgname alphabet. */
const REPO_NAME = /^[a-zA-Z0-9@_+][a-zA-Z0-9@._+-]{0,199}$/;

const databaseFileNames = (repoName: string) => ({
  db: `${repoName}.db`,
  dbArchive: `${repoName}.db.tar.zst`,
  files: `${repoName}.files`,
  filesArchive: `${repoName}.files.tar.zst`,
});

/**
 * Rewrite the repository database in `dir` from `entries`, each file atomically. Entries are taken as
 * stored (JSON from the database) and parsed here, so a corrupt row fails loudly instead of writing a
 * database pacman chokes on. When several entries share a pkgname only the newest version is listed
 * (repo-add, too, keeps one entry per name). Callers serialise rewrites of one repository; concurrent
 * rewrites each leave a whole database, the last wins.
 */
export async function writeRepoDatabase(
  dir: string,
  repoName: string,
  entries: readonly unknown[],
  now = new Date(),
): Promise<void> {
  const index = new RepoIndex(repoName, now);
  for (const e of entries) index.put(e);
  await index.write(dir, "db");
  await index.write(dir, "files");
}

interface Rendered {
  entry: RepoEntry;
  /** `<name>-<version>`: the sort key repo-add's listing follows. */
  directory: string;
  /** A zstd frame of the tar records of `<dir>/` and `<dir>/desc`. */
  db: Uint8Array;
  /** A zstd frame of the tar records of `<dir>/`, `<dir>/desc` and `<dir>/files`. */
  files: Uint8Array;
}

/**
 * The entries of one repository, each compressed once as its own zstd frame: a zstd stream of several
 * frames decompresses to their concatenation, so an archive is the sorted frames plus an end frame.
 * `put` replaces an entry with the same file name; the archives list the newest version per pkgname
 * (of equal versions, the one put last), sorted like repo-add, and are cached until the next `put`.
 */
export class RepoIndex {
  /** In the order put: deleted before each set, so that the last put of equal versions wins. */
  private byFile = new Map<string, Rendered>();
  /** The newest entry per pkgname, kept sorted by directory: what the archives list. */
  private listed: Rendered[] = [];
  private archives: Partial<Record<"db" | "files", Uint8Array>> = {};
  private readonly mtime: number;

  constructor(
    readonly repoName: string,
    now = new Date(),
  ) {
    if (!REPO_NAME.test(repoName)) throw new Invalid(`${JSON.stringify(repoName)} is not a valid repository name.`);
    this.mtime = Math.floor(now.getTime() / 1000);
  }

  get size(): number {
    return this.byFile.size;
  }

  /** Add or replace one stored entry (throws Invalid when it is not one). */
  put(stored: unknown): void {
    const entry = parseRepoEntry(stored);
    const frame = (withFiles: boolean) => {
      const tar = writeTar(entryTree(entry, this.mtime, withFiles));
      // writeTar ends an archive with two zero blocks; records are concatenated, so drop them here.
      return compress(tar.subarray(0, tar.length - 1024));
    };
    const rendered: Rendered = { entry, directory: entryDirectory(entry), db: frame(false), files: frame(true) };
    const replaced = this.byFile.get(entry.filename);
    this.byFile.delete(entry.filename);
    this.byFile.set(entry.filename, rendered);
    const name = entry.pkginfo.pkgname;
    const at = this.listed.findIndex((r) => r.entry.pkginfo.pkgname === name);
    const current = at === -1 ? undefined : this.listed[at];
    let listing: Rendered;
    if (current === undefined) listing = rendered;
    // The listed entry itself was replaced, perhaps by an older version: list the newest one left.
    else if (current === replaced) listing = this.newest(name);
    else if (vercmp(entry.pkginfo.version, current.entry.pkginfo.version) >= 0) listing = rendered;
    else return; // older than the listed version: the archives stay as they are
    if (current !== undefined) this.listed.splice(at, 1);
    this.insertSorted(listing);
    this.archives = {};
  }

  /** The newest stored entry named `name` (there is one: it was just put); of equal versions, the last put. */
  private newest(name: string): Rendered {
    let newest: Rendered | undefined;
    for (const r of this.byFile.values()) {
      if (r.entry.pkginfo.pkgname !== name) continue;
      if (newest === undefined || vercmp(r.entry.pkginfo.version, newest.entry.pkginfo.version) >= 0) newest = r;
    }
    return newest!;
  }

  private insertSorted(r: Rendered): void {
    let lo = 0;
    let hi = this.listed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.listed[mid]!.directory < r.directory) lo = mid + 1;
      else hi = mid;
    }
    this.listed.splice(lo, 0, r);
  }

  /** What the archives list: one package file (and its checksum) per pkgname, sorted like the archive. */
  listing(): RepoListing {
    return this.listed.map((r) => ({ filename: r.entry.filename, sha256: r.entry.sha256 }));
  }

  /** The compressed archive of the `db` or `files` database. */
  archive(which: "db" | "files"): Uint8Array {
    const cached = this.archives[which];
    if (cached) return cached;
    const parts = this.listed.map((r) => r[which]);
    parts.push(END_OF_ARCHIVE);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    this.archives[which] = out;
    return out;
  }

  /**
   * Write one database atomically under both names. Not fsynced: the database is derived from what the
   * server stores and is rewritten from it at start-up, so a crash can cost nothing that was committed.
   */
  async write(dir: string, which: "db" | "files"): Promise<void> {
    const bytes = this.archive(which);
    const names = databaseFileNames(this.repoName);
    const [plain, archive] = which === "db" ? [names.db, names.dbArchive] : [names.files, names.filesArchive];
    await writeFileAtomic(dir, archive, bytes, { durable: false });
    await writeFileAtomic(dir, plain, bytes, { durable: false });
  }
}

export type RepoListing = { filename: string; sha256: string }[];

/**
 * What a repository database on disk lists: %FILENAME% and %SHA256SUM% of every `desc`, in archive
 * order. Throws when the bytes are not a (compressed) tar archive.
 */
export function readRepoListing(bytes: Uint8Array): RepoListing {
  const out: RepoListing = [];
  const text = new TextDecoder();
  for (const e of readTar(decompress(bytes))) {
    if (e.type !== "file" || !e.path.endsWith("/desc")) continue;
    const desc = text.decode(e.data);
    const field = (name: string) => new RegExp(`^%${name}%\n([^\n]*)$`, "m").exec(desc)?.[1] ?? "";
    out.push({ filename: field("FILENAME"), sha256: field("SHA256SUM") });
  }
  return out;
}

/** The file names a repository's database is written under (the .db and .files databases, each twice). */
export const repoDatabaseFiles = (repoName: string): string[] => Object.values(databaseFileNames(repoName));

/** The tar tree of one database entry: `<name>-<version>/desc`, and `files` beside it for the .files database. */
export function entryTree(entry: RepoEntry, mtime: number, withFiles: boolean): TarInput[] {
  const dir = entryDirectory(entry);
  const tree: TarInput[] = [
    { path: dir, type: "dir", mode: 0o755, mtime },
    { path: `${dir}/desc`, type: "file", mode: 0o644, mtime, data: utf8.encode(renderDesc(entry)) },
  ];
  if (withFiles)
    tree.push({ path: `${dir}/files`, type: "file", mode: 0o644, mtime, data: utf8.encode(renderFiles(entry)) });
  return tree;
}

const entryDirectory = (entry: RepoEntry): string => `${entry.pkginfo.pkgname}-${entry.pkginfo.version}`;

/** A `desc` file, field for field as repo-add's db_write_entry writes it; empty fields are left out. */
export function renderDesc(entry: RepoEntry): string {
  const p = entry.pkginfo;
  const fields: [string, readonly string[]][] = [
    ["FILENAME", [entry.filename]],
    ["NAME", [p.pkgname]],
    ["BASE", [p.pkgbase]],
    ["VERSION", [p.version]],
    ["DESC", [p.pkgdesc]],
    ["GROUPS", p.groups],
    ["CSIZE", [String(entry.csize)]],
    ["ISIZE", [String(p.size)]],
    ["MD5SUM", [entry.md5]],
    ["SHA256SUM", [entry.sha256]],
    ["URL", [p.url]],
    ["LICENSE", p.license],
    ["ARCH", [p.arch]],
    ["BUILDDATE", [String(p.builddate)]],
    ["PACKAGER", [p.packager]],
    ["REPLACES", p.replaces],
    ["CONFLICTS", p.conflicts],
    ["PROVIDES", p.provides],
    ["DEPENDS", p.depends],
    ["OPTDEPENDS", p.optdepends],
    ["MAKEDEPENDS", p.makedepends],
    ["CHECKDEPENDS", p.checkdepends],
  ];
  let out = "";
  for (const [name, rawValues] of fields) {
    // repo-add squeezes whitespace in every value it reads from .PKGINFO, and skips a field whose first value is empty.
    const values = rawValues.map((v) => v.replace(/\s+/g, " "));
    if (values.length === 0 || values[0] === "") continue;
    out += `%${name}%\n${values.join("\n")}\n\n`;
  }
  return out;
}

/** A `files` file: `%FILES%` and the package's paths. */
export const renderFiles = (entry: RepoEntry): string => `%FILES%\n${entry.files.map((f) => `${f}\n`).join("")}`;

// zstd at a low level: pacman (libarchive) reads it, and it is several times faster than gzip for the
// multi-megabyte .files database of a large rebuild, which is rewritten after every upload burst.
function compress(tar: Uint8Array): Uint8Array {
  return zstdCompressSync(tar, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
}

// The two zero blocks that end a tar archive, as their own frame.
const END_OF_ARCHIVE = compress(new Uint8Array(1024));
