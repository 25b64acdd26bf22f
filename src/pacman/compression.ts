// Unwrapping a package file's compression, by its magic bytes rather than its name: zstd (Arch's
// default, and what workers build), gzip (Debian's makepkg default), or none. Output is bounded, so a
// small file cannot expand into all of the server's memory.
import { gunzipSync, zstdDecompressSync } from "node:zlib";
import { messageOf } from "../lib/log";

export type Compression = "zstd" | "gzip" | "none";

/** The compression is unknown or unsupported, or the stream is corrupt, truncated or too large. */
export class CompressionError extends Error {
  override name = "CompressionError";
}

/** Decompressed packages larger than this are refused unless the caller allows more. */
export const DEFAULT_MAX_UNPACKED_BYTES = 2 * 1024 ** 3;

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC = [0x1f, 0x8b];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const BZIP2_MAGIC = [0x42, 0x5a, 0x68];
const USTAR_AT = 257;

export function detectCompression(bytes: Uint8Array): Compression {
  if (startsWith(bytes, ZSTD_MAGIC) || isSkippableFrame(bytes, 0)) return "zstd";
  if (startsWith(bytes, GZIP_MAGIC)) return "gzip";
  if (startsWith(bytes, XZ_MAGIC))
    throw new CompressionError(
      "it is xz-compressed; only zstd and gzip packages are accepted (build with PKGEXT=.pkg.tar.zst)",
    );
  if (startsWith(bytes, BZIP2_MAGIC))
    throw new CompressionError(
      "it is bzip2-compressed; only zstd and gzip packages are accepted (build with PKGEXT=.pkg.tar.zst)",
    );
  if (startsWith(bytes.subarray(USTAR_AT), [0x75, 0x73, 0x74, 0x61, 0x72])) return "none";
  throw new CompressionError("it is neither zstd, gzip nor tar data");
}

/** The tar archive inside `bytes`, refused when larger than `maxBytes`. */
export function decompress(bytes: Uint8Array, maxBytes = DEFAULT_MAX_UNPACKED_BYTES): Uint8Array {
  const compression = detectCompression(bytes);
  const tooLarge = () => new CompressionError(`it unpacks to more than ${maxBytes} bytes`);
  try {
    switch (compression) {
      case "none":
        if (bytes.length > maxBytes) throw tooLarge();
        return bytes;
      case "gzip":
        return gunzipSync(bytes, { maxOutputLength: maxBytes });
      case "zstd":
        // node:zlib stops quietly at a truncated zstd stream, so check the frames are whole first.
        checkZstdFrames(bytes);
        return zstdDecompressSync(bytes, { maxOutputLength: maxBytes });
    }
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    if (error instanceof RangeError || /larger than/i.test(String(error))) throw tooLarge();
    throw new CompressionError(`its ${compression} stream is corrupt (${messageOf(error)})`);
  }
}

/**
 * Walk the zstd frames (RFC 8878 §3.1) by their headers and block sizes, without decompressing, and
 * refuse a stream that ends inside a frame or carries anything but frames.
 */
export function checkZstdFrames(bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    if (isSkippableFrame(bytes, at)) {
      at += 8 + u32(bytes, at + 4);
      if (at > bytes.length) throw new CompressionError("its zstd stream is truncated");
      continue;
    }
    if (!startsWith(bytes.subarray(at), ZSTD_MAGIC))
      throw new CompressionError(`its zstd stream has trailing garbage at byte ${at}`);
    const descriptor = byte(bytes, at + 4);
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const hasChecksum = (descriptor >> 2) & 1;
    const dictionaryIdFlag = descriptor & 3;
    const windowDescriptor = singleSegment ? 0 : 1;
    const dictionaryId = [0, 1, 2, 4][dictionaryIdFlag] ?? 0;
    const contentSize = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag] ?? 0;
    at += 5 + windowDescriptor + dictionaryId + contentSize;
    for (;;) {
      if (at + 3 > bytes.length) throw new CompressionError("its zstd stream is truncated");
      const blockHeader = byte(bytes, at) | (byte(bytes, at + 1) << 8) | (byte(bytes, at + 2) << 16);
      const last = blockHeader & 1;
      const type = (blockHeader >> 1) & 3;
      const size = blockHeader >> 3;
      if (type === 3) throw new CompressionError("its zstd stream is corrupt (reserved block type)");
      // An RLE block stores one byte however long the run it stands for.
      at += 3 + (type === 1 ? 1 : size);
      if (last) break;
    }
    at += hasChecksum ? 4 : 0;
    if (at > bytes.length) throw new CompressionError("its zstd stream is truncated");
  }
}

function isSkippableFrame(bytes: Uint8Array, at: number): boolean {
  // 0x184D2A50 … 0x184D2A5F, little-endian.
  return (
    bytes.length >= at + 8 &&
    (byte(bytes, at) & 0xf0) === 0x50 &&
    byte(bytes, at + 1) === 0x2a &&
    byte(bytes, at + 2) === 0x4d &&
    byte(bytes, at + 3) === 0x18
  );
}

const byte = (bytes: Uint8Array, at: number): number => bytes[at] ?? 0;
const u32 = (bytes: Uint8Array, at: number): number =>
  (byte(bytes, at) | (byte(bytes, at + 1) << 8) | (byte(bytes, at + 2) << 16)) + byte(bytes, at + 3) * 2 ** 24;

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
