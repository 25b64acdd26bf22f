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
import type { PackageInfo } from "./package";
import { type TarInput, writeTar } from "./tar";

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
});

/** One uploaded package as the repository database needs it: plain JSON, stored by the server. */
export const RepoEntrySchema = z.object({
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

export const databaseFileNames = (repoName: string) => ({
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
  /** Tar records of `<dir>/` and `<dir>/desc`. */
  db: Uint8Array;
  /** Tar records of `<dir>/`, `<dir>/desc` and `<dir>/files`. */
  files: Uint8Array;
}

/**
 * The entries of one repository with their tar records rendered once. `put` replaces an entry with the
 * same file name; `write` lists the newest version per pkgname, sorted like repo-add, and writes the
 * compressed archive under both names pacman and humans look for.
 */
export class RepoIndex {
  private byFile = new Map<string, Rendered>();

  constructor(
    readonly repoName: string,
    private readonly now = new Date(),
  ) {
    if (!REPO_NAME.test(repoName)) throw new Invalid(`${JSON.stringify(repoName)} is not a valid repository name.`);
  }

  get size(): number {
    return this.byFile.size;
  }

  /** Add or replace one stored entry (throws Invalid when it is not one). */
  put(stored: unknown): void {
    const entry = parseRepoEntry(stored);
    const mtime = Math.floor(this.now.getTime() / 1000);
    const records = (withFiles: boolean) => {
      const tar = writeTar(databaseTree([entry], mtime, withFiles));
      // writeTar ends an archive with two zero blocks; records are concatenated, so drop them here.
      return tar.subarray(0, tar.length - 1024);
    };
    this.byFile.set(entry.filename, { entry, db: records(false), files: records(true) });
  }

  /** The compressed archive of the `db` or `files` database. */
  archive(which: "db" | "files"): Uint8Array {
    const listed = newestPerName([...this.byFile.values()].map((r) => r.entry));
    const keep = new Set(listed.map((e) => e.filename));
    const parts = [...this.byFile.values()]
      .filter((r) => keep.has(r.entry.filename))
      .sort((a, b) => (entryDirectory(a.entry) < entryDirectory(b.entry) ? -1 : 1))
      .map((r) => r[which]);
    const total = parts.reduce((n, p) => n + p.length, 0) + 1024;
    const tar = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      tar.set(p, offset);
      offset += p.length;
    }
    return compress(tar);
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

/** The tar tree of a database: `<name>-<version>/desc` (and `files` for the .files database) per entry. */
export function databaseTree(entries: readonly RepoEntry[], mtime: number, withFiles: boolean): TarInput[] {
  const utf8 = new TextEncoder();
  return [...entries]
    .sort((a, b) => (entryDirectory(a) < entryDirectory(b) ? -1 : 1))
    .flatMap((entry) => {
      const dir = entryDirectory(entry);
      const tree: TarInput[] = [
        { path: dir, type: "dir", mode: 0o755, mtime },
        { path: `${dir}/desc`, type: "file", mode: 0o644, mtime, data: utf8.encode(renderDesc(entry)) },
      ];
      if (withFiles)
        tree.push({ path: `${dir}/files`, type: "file", mode: 0o644, mtime, data: utf8.encode(renderFiles(entry)) });
      return tree;
    });
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
const compress = (tar: Uint8Array): Uint8Array =>
  zstdCompressSync(tar, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });

function newestPerName(entries: readonly RepoEntry[]): RepoEntry[] {
  const byName = new Map<string, RepoEntry>();
  for (const entry of entries) {
    const current = byName.get(entry.pkginfo.pkgname);
    if (current === undefined || vercmp(entry.pkginfo.version, current.pkginfo.version) >= 0)
      byName.set(entry.pkginfo.pkgname, entry);
  }
  return [...byName.values()];
}
