// A small tar reader and writer: ustar headers, pax extended headers for what ustar cannot hold (long
// names, large sizes), GNU long names when reading. Package files and repository databases are tar
// archives; Bun.Archive cannot set modes, mtimes or link targets, and lists neither directories nor
// symlinks, which the .files database and .MTREE need.

export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "other";

export interface TarEntry {
  /** As stored: directories usually end in `/` (bsdtar writes `usr/`). */
  path: string;
  type: TarEntryType;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Target of a symlink or hard link, else "". */
  linkname: string;
  /** The contents of a regular file (a view into the archive, not a copy); empty for everything else. */
  data: Uint8Array;
}

export interface TarInput {
  /** Without a trailing slash; the writer adds it for directories, as bsdtar does. */
  path: string;
  type: "file" | "dir" | "symlink";
  mode: number;
  mtime: number;
  data?: Uint8Array;
  linkname?: string;
}

/** The bytes are not a tar archive, or a truncated one. */
export class TarError extends Error {
  override name = "TarError";
}

export const BLOCK = 512;
const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: false });

// ustar field offsets and widths.
const NAME = [0, 100] as const;
const MODE = [100, 8] as const;
const UID = [108, 8] as const;
const GID = [116, 8] as const;
export const SIZE = [124, 12] as const;
export const MTIME = [136, 12] as const;
const CHKSUM = [148, 8] as const;
export const TYPEFLAG = 156;
export const LINKNAME = [157, 100] as const;
const MAGIC = [257, 6] as const;
const VERSION = [263, 2] as const;
const UNAME = [265, 32] as const;
const GNAME = [297, 32] as const;
const PREFIX = [345, 155] as const;

const TYPEFLAGS: Record<TarInput["type"], string> = { file: "0", dir: "5", symlink: "2" };
/** Symlinks, character and block devices, directories and FIFOs. */
export const NO_DATA = "23456";
/** The largest size 11 octal digits hold; larger files carry their size in a pax header. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** A tar archive of `entries` in the given order, owned by root:root, ending in two zero blocks. */
export function writeTar(entries: readonly TarInput[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const e of entries) {
    const path = e.type === "dir" && !e.path.endsWith("/") ? `${e.path}/` : e.path;
    const data = e.type === "file" ? (e.data ?? new Uint8Array()) : new Uint8Array();
    const linkname = e.type === "symlink" ? (e.linkname ?? "") : "";
    const pax: [string, string][] = [];
    if (!fits(path, NAME[1])) pax.push(["path", path]);
    if (!fits(linkname, LINKNAME[1])) pax.push(["linkpath", linkname]);
    if (data.length > MAX_OCTAL_SIZE) pax.push(["size", String(data.length)]);
    if (pax.length > 0) {
      const body = paxRecords(pax);
      const name = `PaxHeader/${asciiTail(path, 80)}`;
      chunks.push(
        header({ name, typeflag: "x", mode: 0o644, size: body.length, mtime: e.mtime, linkname: "" }),
        ...padded(body),
      );
    }
    chunks.push(
      header({
        name: ustarField(path, NAME[1]),
        typeflag: TYPEFLAGS[e.type],
        mode: e.mode,
        size: data.length > MAX_OCTAL_SIZE ? 0 : data.length,
        mtime: e.mtime,
        linkname: ustarField(linkname, LINKNAME[1]),
      }),
      ...padded(data),
    );
  }
  chunks.push(new Uint8Array(2 * BLOCK));
  return concat(chunks);
}

/** Every entry of a tar archive; throws TarError on a bad header checksum or a truncated archive. */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pending: Record<string, string> = {};
  let gnuName: string | null = null;
  let gnuLink: string | null = null;
  for (;;) {
    if (offset + BLOCK > bytes.length) {
      throw new TarError(offset === 0 ? "it is empty" : "the tar archive is truncated (no end-of-archive marker)");
    }
    const headerAt = offset;
    const block = bytes.subarray(headerAt, headerAt + BLOCK);
    if (block.every((b) => b === 0)) return entries;
    if (!checksumMatches(block)) {
      throw new TarError(headerAt === 0 ? "it is not a tar archive" : `the tar header at byte ${headerAt} is corrupt`);
    }
    const typeflag = String.fromCharCode(block[TYPEFLAG] ?? 0);
    const isMeta = "xgLK".includes(typeflag);
    // As libarchive: symlinks, devices, directories and FIFOs have no data whatever their ustar size
    // says, so the next header follows at once (a pax size is still obeyed).
    const size =
      !isMeta && pending.size !== undefined
        ? Number(pending.size)
        : NO_DATA.includes(typeflag)
          ? 0
          : readNumber(block, SIZE, headerAt);
    if (!Number.isSafeInteger(size) || size < 0)
      throw new TarError(`the tar header at byte ${headerAt} has an invalid size`);
    const dataStart = headerAt + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) throw new TarError("the tar archive is truncated");
    const data = bytes.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    switch (typeflag) {
      case "x":
        pending = { ...pending, ...parsePax(data, dataStart) };
        continue;
      case "g": // global pax header: nothing in it matters here
        continue;
      case "L":
        gnuName = cString(data);
        continue;
      case "K":
        gnuLink = cString(data);
        continue;
    }

    const path = pending.path ?? gnuName ?? ustarName(block);
    const linkname = pending.linkpath ?? gnuLink ?? cString(field(block, LINKNAME));
    const mtime = pending.mtime !== undefined ? Math.floor(Number(pending.mtime)) : readNumber(block, MTIME, headerAt);
    entries.push({
      path,
      type: entryType(typeflag, path),
      mode: readNumber(block, MODE, headerAt) & 0o7777,
      mtime,
      linkname,
      data: typeflag === "0" || typeflag === "\0" || typeflag === "7" ? data : new Uint8Array(),
    });
    pending = {};
    gnuName = null;
    gnuLink = null;
  }
}

export function entryType(typeflag: string, path: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "7":
      return "file";
    case "\0":
      // Pre-POSIX archives mark directories only by the trailing slash.
      return path.endsWith("/") ? "dir" : "file";
    case "5":
      return "dir";
    case "2":
      return "symlink";
    case "1":
      return "hardlink";
    default:
      return "other";
  }
}

interface Header {
  name: string;
  typeflag: string;
  mode: number;
  size: number;
  mtime: number;
  linkname: string;
}

function header(h: Header): Uint8Array {
  const block = new Uint8Array(BLOCK);
  putString(block, NAME, h.name);
  putOctal(block, MODE, h.mode);
  putOctal(block, UID, 0);
  putOctal(block, GID, 0);
  putOctal(block, SIZE, h.size);
  putOctal(block, MTIME, Math.max(0, Math.floor(h.mtime)));
  block[TYPEFLAG] = h.typeflag.charCodeAt(0);
  putString(block, LINKNAME, h.linkname);
  putString(block, MAGIC, "ustar\0");
  putString(block, VERSION, "00");
  putString(block, UNAME, "root");
  putString(block, GNAME, "root");
  // The checksum is computed with its own field read as spaces, then written as 6 digits, NUL, space.
  block.fill(0x20, CHKSUM[0], CHKSUM[0] + CHKSUM[1]);
  const sum = block.reduce((a, b) => a + b, 0);
  putString(block, CHKSUM, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

export function checksumMatches(block: Uint8Array): boolean {
  const stored = readOctal(field(block, CHKSUM));
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= CHKSUM[0] && i < CHKSUM[0] + CHKSUM[1] ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Some old tars summed signed bytes; accept either, as libarchive does.
  return stored === unsigned || stored === signed;
}

export function ustarName(block: Uint8Array): string {
  const name = cString(field(block, NAME));
  // Only POSIX ustar has a prefix; GNU headers ("ustar  \0") keep atime, ctime and more there.
  const isUstar = text.decode(field(block, MAGIC)) === "ustar\0";
  const prefix = isUstar ? cString(field(block, PREFIX)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

export function readNumber(block: Uint8Array, at: readonly [number, number], offset: number): number {
  const bytes = field(block, at);
  // GNU base-256: the high bit of the first byte set, the rest a big-endian number.
  if (((bytes[0] ?? 0) & 0x80) !== 0) {
    let n = (bytes[0] ?? 0) & 0x7f;
    for (let i = 1; i < bytes.length; i++) n = n * 256 + (bytes[i] ?? 0);
    return n;
  }
  const n = readOctal(bytes);
  if (n === null) throw new TarError(`the tar header at byte ${offset} has a malformed number`);
  return n;
}

function readOctal(bytes: Uint8Array): number | null {
  const s = text
    .decode(bytes)
    .replace(/[\0 ]+$/, "")
    .replace(/^ +/, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) return null;
  return Number.parseInt(s, 8);
}

export function parsePax(data: Uint8Array, offset: number): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const digits = space === -1 ? "" : text.decode(data.subarray(at, space));
    const length = /^[0-9]{1,15}$/.test(digits) ? Number(digits) : Number.NaN;
    // libarchive ignores anything but "<decimal length> key=value\n"; refuse it rather than read it otherwise.
    if (!(length > space - at + 1 && at + length <= data.length && data[at + length - 1] === 0x0a)) {
      throw new TarError(`the pax header at byte ${offset} is malformed`);
    }
    const record = text.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

// "%d key=value\n" where the length counts itself, so the digit count may grow while computing it.
function paxRecords(records: [string, string][]): Uint8Array {
  let out = "";
  for (const [key, value] of records) {
    const rest = ` ${key}=${value}\n`;
    const restLength = utf8.encode(rest).length;
    let length = restLength + 1;
    while (String(length).length + restLength !== length) length = String(length).length + restLength;
    out += `${length}${rest}`;
  }
  return utf8.encode(out);
}

export const field = (block: Uint8Array, [at, width]: readonly [number, number]): Uint8Array =>
  block.subarray(at, at + width);

export function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return text.decode(nul === -1 ? bytes : bytes.subarray(0, nul));
}

function putString(block: Uint8Array, [at, width]: readonly [number, number], value: string): void {
  block.set(utf8.encode(value).subarray(0, width), at);
}

function putOctal(block: Uint8Array, at: readonly [number, number], value: number): void {
  putString(block, at, `${value.toString(8).padStart(at[1] - 1, "0")}\0`);
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, new Uint8Array(BLOCK - rest)];
}

/** ASCII that fits `width` bytes goes into a ustar field as is; anything else needs a pax record. */
const fits = (s: string, width: number): boolean => s.length <= width && isAscii(s);

// Names that pax carries in full still need a ustar name: their printable ASCII tail.
const ustarField = (s: string, width: number): string => (fits(s, width) ? s : asciiTail(s, width));

function asciiTail(s: string, width: number): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, "_");
  return ascii.length <= width ? ascii : ascii.slice(ascii.length - width);
}

const isAscii = (s: string): boolean => /^\p{ASCII}*$/u.test(s);

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
