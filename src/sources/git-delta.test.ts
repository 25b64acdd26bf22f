import { describe, expect, test } from "bun:test";
import { applyDelta, DeltaError } from "./git-delta";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("applyDelta", () => {
  const base = bytes("pkgbase = zlib\n\tpkgver = 1.3\n");

  test("copies from the base and inserts new bytes", () => {
    // sizes 29 → 31; copy base[0,23) "pkgbase = zlib\n\tpkgver "; insert "= 1.3.1\n"
    const delta = new Uint8Array([29, 31, 0x90, 23, 8, ...bytes("= 1.3.1\n")]);
    expect(text(applyDelta(base, delta))).toBe("pkgbase = zlib\n\tpkgver = 1.3.1\n");
  });

  test("reads multi-byte sizes and copy offsets", () => {
    const big = new Uint8Array(300).fill(97);
    big[200] = 98;
    // base size 300 = 0xac 0x02; target 2; copy offset 199 (one offset byte), size 2
    const delta = new Uint8Array([0xac, 0x02, 2, 0x91, 199, 2]);
    expect(text(applyDelta(big, delta))).toBe("ab");
  });

  test("a copy size of zero means 0x10000", () => {
    const large = new Uint8Array(0x10000).fill(7);
    const delta = new Uint8Array([0x80, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80]);
    expect(applyDelta(large, delta)).toEqual(large);
  });

  test("rejects a wrong base size, copies outside the base, short output and the reserved opcode", () => {
    expect(() => applyDelta(base, new Uint8Array([28, 1, 1, 65]))).toThrow(DeltaError);
    expect(() => applyDelta(base, new Uint8Array([29, 10, 0x91, 25, 10]))).toThrow("outside");
    expect(() => applyDelta(base, new Uint8Array([29, 5, 2, 65, 66]))).toThrow("expected 5");
    expect(() => applyDelta(base, new Uint8Array([29, 1, 0]))).toThrow("reserved");
    expect(() => applyDelta(base, new Uint8Array([0x9d]))).toThrow("size header");
  });
});
