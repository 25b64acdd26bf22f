// Reading a tar archive as it streams past, in bounded memory: headers are parsed as they complete, file
// contents are skipped unless the caller asks for them (and then only up to a cap). readTar (tar.ts) needs
// the whole archive in memory; this is what reads package files straight from disk.
import {
  BLOCK,
  checksumMatches,
  cString,
  entryType,
  field,
  LINKNAME,
  NO_DATA,
  parsePax,
  readNumber,
  SIZE,
  type TarEntryType,
  TarError,
  TYPEFLAG,
  ustarName,
} from "./tar";

export interface ScannedEntry {
  path: string;
  type: TarEntryType;
  linkname: string;
  size: number;
}

/** Extended headers (pax, GNU long names) larger than this are refused: real ones hold a few paths. */
const MAX_META_BYTES = 1024 * 1024;

interface Collecting {
  buf: Uint8Array;
  fill: number;
  done: (data: Uint8Array) => void;
}

/**
 * Feed chunks with push(), then call end(). `onEntry` sees every entry in order; returning a byte cap asks
 * for the entry's contents (delivered to `onData` when complete; an entry larger than the cap is refused).
 */
export class TarScanner {
  /** Bytes of archive consumed so far. */
  consumed = 0;
  /** The end-of-archive marker was seen; anything after it is ignored. */
  finished = false;
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  private skip = 0;
  private collecting: Collecting | null = null;
  private pending: Record<string, string> = {};
  private gnuName: string | null = null;
  private gnuLink: string | null = null;

  constructor(
    private readonly onEntry: (entry: ScannedEntry) => number | undefined,
    private readonly onData: (entry: ScannedEntry, data: Uint8Array) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.finished) {
      const c = this.collecting;
      if (c) {
        const n = Math.min(c.buf.length - c.fill, chunk.length - at);
        c.buf.set(chunk.subarray(at, at + n), c.fill);
        c.fill += n;
        at += n;
        if (c.fill === c.buf.length) {
          this.collecting = null;
          c.done(c.buf);
        }
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerFill);
      this.headerFill += n;
      at += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader(this.consumed + at - BLOCK);
      }
    }
    this.consumed += chunk.length;
  }

  /** The stream ended: refuse an archive without its end-of-archive marker. */
  end(): void {
    if (this.finished) return;
    throw new TarError(this.consumed === 0 ? "it is empty" : "the tar archive is truncated (no end-of-archive marker)");
  }

  private onHeader(headerAt: number): void {
    const block = this.header;
    if (block.every((b) => b === 0)) {
      this.finished = true;
      return;
    }
    if (!checksumMatches(block)) {
      throw new TarError(headerAt === 0 ? "it is not a tar archive" : `the tar header at byte ${headerAt} is corrupt`);
    }
    const typeflag = String.fromCharCode(block[TYPEFLAG] ?? 0);
    const isMeta = "xgLK".includes(typeflag);
    const size =
      !isMeta && this.pending.size !== undefined
        ? Number(this.pending.size)
        : NO_DATA.includes(typeflag)
          ? 0
          : readNumber(block, SIZE, headerAt);
    if (!Number.isSafeInteger(size) || size < 0)
      throw new TarError(`the tar header at byte ${headerAt} has an invalid size`);
    const padding = Math.ceil(size / BLOCK) * BLOCK - size;
    const dataAt = headerAt + BLOCK;
    if (isMeta) {
      if (size > MAX_META_BYTES) throw new TarError(`the extended header at byte ${headerAt} is too large`);
      this.read(size, padding, (data) => {
        if (typeflag === "x") this.pending = { ...this.pending, ...parsePax(data, dataAt) };
        else if (typeflag === "L") this.gnuName = cString(data);
        else if (typeflag === "K") this.gnuLink = cString(data);
      });
      return;
    }
    const path = this.pending.path ?? this.gnuName ?? ustarName(block);
    const linkname = this.pending.linkpath ?? this.gnuLink ?? cString(field(block, LINKNAME));
    this.pending = {};
    this.gnuName = null;
    this.gnuLink = null;
    const entry: ScannedEntry = { path, type: entryType(typeflag, path), linkname, size };
    const cap = this.onEntry(entry);
    if (cap === undefined) {
      this.skip = size + padding;
      return;
    }
    if (size > cap) throw new TarError(`its entry ${JSON.stringify(path)} is larger than ${cap} bytes`);
    this.read(size, padding, (data) => this.onData(entry, data));
  }

  private read(size: number, padding: number, done: (data: Uint8Array) => void): void {
    const finish = (data: Uint8Array) => {
      this.skip = padding;
      done(data);
    };
    if (size === 0) finish(new Uint8Array());
    else this.collecting = { buf: new Uint8Array(size), fill: 0, done: finish };
  }
}
