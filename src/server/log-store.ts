// Build logs as files: DATA_DIR/logs/<build id>/<offset>.log, each file a segment of the build's log
// starting at that byte offset of the whole log (all attempts concatenated). Offsets are positions in the
// log as it was written, so a reader following with ?offset=N never sees a byte twice or loses its place.
//
// A log is capped (BUILDBTW_MAX_LOG_BYTES): its first half is kept as the head; past it the log goes
// into tail segments of a quarter each, and only the newest two are kept. What lies between the head and
// the oldest kept tail segment was dropped, and readers are told so in the text, with the byte count.
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
} from "node:fs";
import { pathInside } from "../lib/paths";
import { diskFull, formatBytes, isDiskFull } from "../lib/receive";
import { yieldToRequests } from "../lib/yield";

interface Segment {
  start: number;
  size: number;
  path: string;
}

/** A read returns at most this much text, so no read holds a whole log in memory. */
export const MAX_LOG_READ = 1024 * 1024;

export class BuildLogStore {
  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
  ) {}

  private buildDir(buildId: number): string {
    return pathInside(this.dir, String(buildId));
  }

  private segments(buildId: number): Segment[] {
    const dir = this.buildDir(buildId);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => /^(0|[1-9][0-9]*)\.log$/.test(n))
      .map((n) => {
        const path = `${dir}/${n}`;
        return { start: Number(n.slice(0, -4)), size: statSync(path).size, path };
      })
      .sort((a, b) => a.start - b.start);
  }

  /** Bytes written to the build's log so far (kept or dropped). */
  length(buildId: number): number {
    const last = this.segments(buildId).at(-1);
    return last ? last.start + last.size : 0;
  }

  /**
   * Append `text`; past the cap, the tail rotates and the middle is dropped. Returns the new length. All or
   * nothing: a write that fails (a full disk) is taken back, and segments the rotation retires go only after.
   */
  append(buildId: number, text: string): number {
    let bytes = Buffer.from(text, "utf8");
    // Segments end on whole characters, so each may run up to 3 bytes past its share: keep 4 back.
    const head = Math.max(4, Math.floor(this.maxBytes / 2) - 4);
    const tailSegment = Math.max(4, Math.floor(this.maxBytes / 4) - 4);
    // Each file written, with its size before this append (null: it is new).
    const before = new Map<string, number | null>();
    const retired: string[] = [];
    try {
      mkdirSync(this.buildDir(buildId), { recursive: true });
      let segments = this.segments(buildId);
      let total = segments.length ? segments.at(-1)!.start + segments.at(-1)!.size : 0;
      const dir = this.buildDir(buildId);
      while (bytes.length > 0) {
        let target: Segment;
        let room: number;
        if (total < head) {
          target = segments[0] ?? { start: 0, size: 0, path: `${dir}/0.log` };
          if (segments.length === 0) segments = [target];
          room = head - total;
        } else {
          const last = segments.at(-1);
          if (!last || last.start < head || last.size >= tailSegment) {
            // Keep the head and the newest tail segment; older tail segments go once a new one starts.
            const tails = segments.filter((seg) => seg.start >= head);
            retired.push(...tails.slice(0, -1).map((old) => old.path));
            target = { start: total, size: 0, path: `${dir}/${total}.log` };
            segments = [...segments.filter((seg) => seg.start < head), ...tails.slice(-1), target];
          } else target = last;
          room = tailSegment - target.size;
        }
        const part = bytes.subarray(0, wholeCharacters(bytes, room));
        if (!before.has(target.path)) before.set(target.path, existsSync(target.path) ? target.size : null);
        appendFileSync(target.path, part);
        target.size += part.length;
        total += part.length;
        bytes = bytes.subarray(part.length);
      }
      for (const path of retired) rmSync(path, { force: true });
      return total;
    } catch (error) {
      for (const [path, size] of before) {
        try {
          if (size === null) rmSync(path, { force: true });
          else truncateSync(path, size);
        } catch {
          // Taking back is best effort: the next append measures the files as they are.
        }
      }
      if (isDiskFull(error)) throw diskFull();
      throw error;
    }
  }

  /**
   * The log from byte `offset` on, at most MAX_LOG_READ bytes of it; `end` is where the next read starts.
   * A dropped stretch reads as one line saying how much was dropped.
   */
  read(buildId: number, offset: number, max = MAX_LOG_READ): { text: string; end: number } {
    let at = offset;
    let text = "";
    let pending: Buffer[] = [];
    let budget = max;
    let cut = false;
    for (const s of this.segments(buildId)) {
      const segEnd = s.start + s.size;
      if (segEnd <= at) continue;
      if (budget <= 0) {
        cut = true;
        break;
      }
      if (s.start > at) {
        text += Buffer.concat(pending).toString("utf8") + droppedNote(s.start - at, this.maxBytes);
        pending = [];
        at = s.start;
        // The kept tail may begin inside a character: start at the next whole one.
        at += continuationBytes(s.path, Math.min(3, s.size));
      }
      const length = Math.min(segEnd - at, budget);
      const buf = Buffer.alloc(length);
      const fd = openSync(s.path, "r");
      try {
        readSync(fd, buf, 0, length, at - s.start);
      } finally {
        closeSync(fd);
      }
      pending.push(buf);
      at += length;
      budget -= length;
      if (length < segEnd - (at - length)) cut = true;
    }
    const bytes = Buffer.concat(pending);
    // Never split a UTF-8 character at a cut: stop before an incomplete one (the next read starts there).
    const whole = cut ? completeUtf8(bytes) : bytes.length;
    return { text: text + bytes.subarray(0, whole).toString("utf8"), end: at - (bytes.length - whole) };
  }

  /** The stored log as one byte stream (head, a dropped note, tail), from byte `from` of it to `to` (exclusive). */
  storedSize(buildId: number): number {
    return this.parts(buildId).reduce((n, p) => n + p.size, 0);
  }

  stream(buildId: number, from = 0, to = this.storedSize(buildId)): ReadableStream<Uint8Array> {
    // Only the byte ranges are worked out here; the files are read piece by piece as the client takes them.
    const pieces: { part: Part; lo: number; hi: number }[] = [];
    let offset = 0;
    for (const part of this.parts(buildId)) {
      const lo = Math.max(from, offset);
      const hi = Math.min(to, offset + part.size);
      if (lo < hi) pieces.push({ part, lo: lo - offset, hi: hi - offset });
      offset += part.size;
    }
    let served = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        // A fast reader asks for the next piece at once: let other requests in between pieces, so a log of
        // any size is a series of short reads, never one long run of them.
        if (served++ > 0) await yieldToRequests();
        const piece = pieces[0];
        if (!piece) return controller.close();
        const n = Math.min(STREAM_PIECE, piece.hi - piece.lo);
        let bytes: Uint8Array;
        if (piece.part.kind === "note") bytes = piece.part.bytes.subarray(piece.lo, piece.lo + n);
        else {
          const buf = Buffer.alloc(n);
          const fd = openSync(piece.part.path, "r");
          try {
            bytes = buf.subarray(0, readSync(fd, buf, 0, n, piece.lo));
          } finally {
            closeSync(fd);
          }
          if (bytes.length === 0) return controller.close(); // the file shrank: a retention sweep removed it
        }
        piece.lo += bytes.length;
        if (piece.lo >= piece.hi) pieces.shift();
        controller.enqueue(bytes);
      },
    });
  }

  /** Forget a build's log (retention). */
  remove(buildId: number): void {
    rmSync(this.buildDir(buildId), { recursive: true, force: true });
  }

  private parts(buildId: number): Part[] {
    const parts: Part[] = [];
    let at = 0;
    for (const s of this.segments(buildId)) {
      if (s.start > at) {
        const bytes = Buffer.from(droppedNote(s.start - at, this.maxBytes));
        parts.push({ kind: "note", size: bytes.length, bytes });
      }
      parts.push({ kind: "file", size: s.size, path: s.path });
      at = s.start + s.size;
    }
    return parts;
  }
}

type Part = { kind: "note"; size: number; bytes: Uint8Array } | { kind: "file"; size: number; path: string };
const STREAM_PIECE = 256 * 1024;

const droppedNote = (bytes: number, limit: number) =>
  `\n[buildbtw: ${bytes} bytes of this log were dropped: it passed its limit of ${formatBytes(limit)}, so only its head and tail are kept]\n`;

/** The length of a prefix of `bytes` near `room` that ends on a whole UTF-8 character (at least one). */
function wholeCharacters(bytes: Buffer, room: number): number {
  if (room >= bytes.length) return bytes.length;
  let end = room;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  if (end > 0) return end;
  end = room;
  while (end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end++;
  return end;
}

/** How many of the first `n` bytes of the file are UTF-8 continuation bytes (10xxxxxx). */
function continuationBytes(path: string, n: number): number {
  const buf = Buffer.alloc(n);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, n, 0);
  } finally {
    closeSync(fd);
  }
  let i = 0;
  while (i < n && ((buf[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}

/** How many bytes of `buf` end on a whole UTF-8 character. */
function completeUtf8(buf: Buffer): number {
  let i = buf.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  let back = 0;
  while (i > 0 && back < 4 && ((buf[i - 1] ?? 0) & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i === 0) return buf.length;
  const lead = buf[i - 1] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need === back + 1 ? buf.length : i - 1;
}
