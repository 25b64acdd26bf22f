import { describe, expect, test } from "bun:test";
import { constants, gzipSync, zstdCompressSync } from "node:zlib";
import { CompressionError, checkZstdFrames, decompress, detectCompression } from "./compression";
import { writeTar } from "./tar";

const tar = writeTar([
  { path: "a", type: "file", mode: 0o644, mtime: 0, data: new Uint8Array(100_000).map((_, i) => (i * 7919) % 251) },
]);
// With a content checksum, as the zstd command (and so makepkg) writes by default.
const zstd = new Uint8Array(zstdCompressSync(tar, { params: { [constants.ZSTD_c_checksumFlag]: 1 } }));

describe("decompress", () => {
  test("unwraps zstd, gzip and plain tar by their magic bytes", () => {
    expect(detectCompression(zstd)).toBe("zstd");
    expect(decompress(zstd)).toEqual(tar);
    expect(decompress(new Uint8Array(gzipSync(tar)))).toEqual(tar);
    expect(decompress(tar)).toEqual(tar);
  });

  test("reads several concatenated zstd frames, as `zstd -T0` may write", () => {
    const half = tar.length / 2;
    const twoFrames = new Uint8Array([
      ...zstdCompressSync(tar.subarray(0, half)),
      ...zstdCompressSync(tar.subarray(half)),
    ]);
    expect(decompress(twoFrames)).toEqual(tar);
  });

  test("refuses truncated zstd (which node:zlib alone would accept) and trailing garbage", () => {
    for (const cut of [6, 20, zstd.length >> 1, zstd.length - 1]) {
      expect(() => decompress(zstd.subarray(0, cut))).toThrow(CompressionError);
    }
    expect(() => checkZstdFrames(new Uint8Array([...zstd, 1, 2, 3, 4, 5]))).toThrow("trailing garbage");
    // A skippable frame (magic 0x184D2A50, then its length) that claims 16 bytes and holds 2.
    const skippable = [0x50, 0x2a, 0x4d, 0x18, 16, 0, 0, 0];
    expect(() => checkZstdFrames(new Uint8Array([...zstd, ...skippable, 1, 2]))).toThrow("truncated");
    expect(() => checkZstdFrames(new Uint8Array([...zstd, ...skippable, ...new Uint8Array(16)]))).not.toThrow();
  });

  test("refuses corrupt streams, unsupported compressions and anything else with a reason", () => {
    const broken = zstd.slice();
    broken.fill(0x55, 40, 80);
    expect(() => decompress(broken)).toThrow(CompressionError);
    expect(() => decompress(new Uint8Array(gzipSync(tar)).subarray(0, 50))).toThrow("gzip stream is corrupt");
    expect(() => decompress(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]))).toThrow("xz-compressed");
    expect(() => decompress(new TextEncoder().encode("BZh91AY&SY"))).toThrow("bzip2-compressed");
    expect(() => decompress(new TextEncoder().encode("<html>not a package</html>"))).toThrow(
      "neither zstd, gzip nor tar",
    );
  });

  test("refuses output beyond the limit", () => {
    expect(() => decompress(zstd, 1000)).toThrow("unpacks to more than 1000 bytes");
    expect(() => decompress(new Uint8Array(gzipSync(tar)), 1000)).toThrow("unpacks to more than 1000 bytes");
    expect(() => decompress(tar, 1000)).toThrow("unpacks to more than 1000 bytes");
  });
});
