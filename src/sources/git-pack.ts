// One packfile and its version-2 index: find an object by id, read it, resolve its delta chain.
// The index is read whole (it is small); the pack is read entry by entry at exact offsets, so a large
// pack costs only the bytes of the objects asked for.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { CorruptRepository } from "./errors";
import { applyDelta, DeltaError } from "./git-delta";

export type ObjectType = "commit" | "tree" | "blob" | "tag";
export interface GitObject {
  type: ObjectType;
  data: Uint8Array;
}

const TYPES: Record<number, ObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const OFS_DELTA = 6;
const REF_DELTA = 7;
const IDX_MAGIC = 0xff744f63;
const FANOUT = 8;
const IDS_AT = FANOUT + 256 * 4;
const ID_BYTES = 20;
// Git caps delta chains at depth 50 by default (4095 at most); anything far beyond is a REF_DELTA loop
// in a damaged pack (OFS_DELTA bases always lie earlier in the pack, so those chains end by themselves).
const MAX_CHAIN = 10_000;

/** Inflates one zlib stream; trailing bytes after the stream's end are ignored. */
export function inflate(data: Uint8Array): Uint8Array {
  return Bun.inflateSync(data as Uint8Array<ArrayBuffer>, { windowBits: 15 });
}

/** -1, 0 or 1 comparing `id` with the 20 bytes of `table` at `at`. */
function compareId(table: Uint8Array, at: number, id: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const d = table[at + i]! - id[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

type Entry =
  | { kind: "whole"; type: ObjectType; data: Uint8Array }
  | { kind: "ofs"; base: number; delta: Uint8Array }
  | { kind: "ref"; base: Buffer; delta: Uint8Array };

export class Pack {
  private readonly view: DataView;
  private readonly count: number;
  private readonly offsetsAt: number;
  private readonly largeAt: number;
  private fd: number | null = null;
  private packEnd = 0;
  /** Every entry's start offset, ascending: an entry ends where the next one starts. */
  private sortedOffsets: Float64Array | null = null;

  private constructor(
    private readonly packPath: string,
    private readonly idx: Uint8Array,
    private readonly repository: string,
  ) {
    this.view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
    if (idx.length < IDS_AT || this.view.getUint32(0) !== IDX_MAGIC || this.view.getUint32(4) !== 2) {
      throw new CorruptRepository(repository, `${packPath.replace(/\.pack$/, ".idx")} is not a version-2 pack index`);
    }
    this.count = this.view.getUint32(FANOUT + 255 * 4);
    this.offsetsAt = IDS_AT + this.count * (ID_BYTES + 4);
    this.largeAt = this.offsetsAt + this.count * 4;
    if (idx.length < this.largeAt + 2 * ID_BYTES) {
      throw new CorruptRepository(repository, `the pack index of ${packPath} is truncated`);
    }
  }

  /** Reads `<name>.idx`; the pack itself is opened on the first object read. */
  static open(idxPath: string, repository: string): Pack {
    return new Pack(idxPath.replace(/\.idx$/, ".pack"), readFileSync(idxPath), repository);
  }

  /** The object's offset in the pack, or undefined when this pack does not hold it. */
  find(id: Uint8Array): number | undefined {
    let [lo, hi] = this.bucket(id[0]!);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareId(this.idx, IDS_AT + mid * ID_BYTES, id);
      if (c === 0) return this.offsetOf(mid);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** Hex ids of every object in this pack whose id starts with the (lower-case hex) `prefix`. */
  findPrefix(prefix: string): string[] {
    const [from, to] = this.bucket(Number.parseInt(prefix.slice(0, 2), 16));
    const found: string[] = [];
    for (let i = from; i < to; i++) {
      const at = IDS_AT + i * ID_BYTES;
      const hex = Buffer.from(this.idx.buffer, this.idx.byteOffset + at, ID_BYTES).toString("hex");
      if (hex.startsWith(prefix)) found.push(hex);
    }
    return found;
  }

  /**
   * The object at `offset`, deltas applied. A REF_DELTA base is looked for in this pack first (where git puts
   * it); `external` reads one held elsewhere in the repository.
   */
  read(offset: number, external: (id: string) => GitObject): GitObject {
    const deltas: Uint8Array[] = [];
    let at = offset;
    let base: GitObject;
    for (;;) {
      if (deltas.length > MAX_CHAIN) throw this.corrupt(`a delta chain at offset ${offset} does not end`);
      const entry = this.entryAt(at);
      if (entry.kind === "whole") {
        base = { type: entry.type, data: entry.data };
        break;
      }
      deltas.push(entry.delta);
      if (entry.kind === "ofs") {
        at = entry.base;
        continue;
      }
      const inPack = this.find(entry.base);
      if (inPack === undefined) {
        base = external(entry.base.toString("hex"));
        break;
      }
      at = inPack;
    }
    let data = base.data;
    try {
      for (let i = deltas.length - 1; i >= 0; i--) data = applyDelta(data, deltas[i]!);
    } catch (error) {
      if (error instanceof DeltaError) throw this.corrupt(`object at offset ${offset}: ${error.message}`);
      throw error;
    }
    return { type: base.type, data };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The index positions of the ids whose first byte is `first`: [from, to). */
  private bucket(first: number): [number, number] {
    return [first === 0 ? 0 : this.view.getUint32(FANOUT + (first - 1) * 4), this.view.getUint32(FANOUT + first * 4)];
  }

  private offsetOf(index: number): number {
    const small = this.view.getUint32(this.offsetsAt + index * 4);
    if ((small & 0x80000000) === 0) return small;
    const at = this.largeAt + (small & 0x7fffffff) * 8;
    return this.view.getUint32(at) * 2 ** 32 + this.view.getUint32(at + 4);
  }

  private openPack(): number {
    if (this.fd !== null) return this.fd;
    const fd = openSync(this.packPath, "r");
    const header = Buffer.alloc(12);
    readSync(fd, header, 0, 12, 0);
    if (header.toString("latin1", 0, 4) !== "PACK" || header.readUInt32BE(8) !== this.count) {
      closeSync(fd);
      throw this.corrupt(`${this.packPath} does not match its index`);
    }
    this.packEnd = fstatSync(fd).size - ID_BYTES;
    this.fd = fd;
    return fd;
  }

  /** Where the entry starting at `offset` ends: the next entry's start, or the pack's trailing checksum. */
  private endOf(offset: number): number {
    if (this.sortedOffsets === null) {
      const all = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) all[i] = this.offsetOf(i);
      this.sortedOffsets = all.sort();
    }
    const sorted = this.sortedOffsets;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length ? sorted[lo]! : this.packEnd;
  }

  private entryAt(offset: number): Entry {
    const fd = this.openPack();
    const end = this.endOf(offset);
    if (offset < 12 || end <= offset) throw this.corrupt(`no pack entry at offset ${offset}`);
    const bytes = Buffer.allocUnsafe(end - offset);
    if (readSync(fd, bytes, 0, bytes.length, offset) !== bytes.length) {
      throw this.corrupt(`${this.packPath} is truncated`);
    }
    // Header: type in bits 4-6 of the first byte, size in little-endian base-128 after it.
    let pos = 0;
    let byte = bytes[pos++]!;
    const code = (byte >> 4) & 7;
    let size = byte & 0x0f;
    let shift = 4;
    while (byte & 0x80) {
      byte = bytes[pos++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let entry: Entry;
    if (code === OFS_DELTA) {
      // The base's distance back, big-endian base-128 with an offset of one per continuation byte.
      byte = bytes[pos++]!;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        byte = bytes[pos++]!;
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      if (distance <= 0 || distance > offset - 12) throw this.corrupt(`bad delta base at offset ${offset}`);
      entry = { kind: "ofs", base: offset - distance, delta: this.inflateAt(bytes, pos, size, offset) };
    } else if (code === REF_DELTA) {
      const base = bytes.subarray(pos, pos + ID_BYTES);
      entry = { kind: "ref", base, delta: this.inflateAt(bytes, pos + ID_BYTES, size, offset) };
    } else {
      const type = TYPES[code];
      if (type === undefined) throw this.corrupt(`unknown object type ${code} at offset ${offset}`);
      entry = { kind: "whole", type, data: this.inflateAt(bytes, pos, size, offset) };
    }
    return entry;
  }

  private inflateAt(bytes: Uint8Array, pos: number, size: number, offset: number): Uint8Array {
    let data: Uint8Array;
    try {
      data = inflate(bytes.subarray(pos));
    } catch (error) {
      throw this.corrupt(`cannot inflate the object at offset ${offset}: ${(error as Error).message}`);
    }
    if (data.length !== size) throw this.corrupt(`the object at offset ${offset} has the wrong size`);
    return data;
  }

  private corrupt(detail: string): CorruptRepository {
    return new CorruptRepository(this.repository, detail);
  }
}
