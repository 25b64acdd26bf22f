import { describe, expect, test } from "bun:test";
import { readTar, TarError, type TarInput, writeTar } from "./tar";

const utf8 = new TextEncoder();
const long = `usr/share/${"deep/".repeat(30)}file-with-a-long-name.txt`;

const inputs: TarInput[] = [
  { path: ".PKGINFO", type: "file", mode: 0o644, mtime: 1700000000, data: utf8.encode("pkgname = a\n") },
  { path: "usr", type: "dir", mode: 0o755, mtime: 1700000000 },
  { path: "usr/bin/tool", type: "file", mode: 0o755, mtime: 1700000001, data: new Uint8Array(1000).fill(7) },
  { path: "usr/bin/link", type: "symlink", mode: 0o777, mtime: 1700000002, linkname: "tool" },
  { path: long, type: "file", mode: 0o644, mtime: 1700000003, data: utf8.encode("long\n") },
  { path: "usr/share/naïve €", type: "file", mode: 0o644, mtime: 1700000004, data: new Uint8Array() },
  { path: "usr/share/long-link", type: "symlink", mode: 0o777, mtime: 1700000005, linkname: long },
];

describe("tar", () => {
  test("round-trips files, directories, symlinks, long and non-ASCII names", () => {
    const entries = readTar(writeTar(inputs));
    expect(entries.map((e) => [e.path, e.type, e.mode, e.mtime, e.linkname])).toEqual([
      [".PKGINFO", "file", 0o644, 1700000000, ""],
      ["usr/", "dir", 0o755, 1700000000, ""],
      ["usr/bin/tool", "file", 0o755, 1700000001, ""],
      ["usr/bin/link", "symlink", 0o777, 1700000002, "tool"],
      [long, "file", 0o644, 1700000003, ""],
      ["usr/share/naïve €", "file", 0o644, 1700000004, ""],
      ["usr/share/long-link", "symlink", 0o777, 1700000005, long],
    ]);
    expect(entries[2]?.data).toEqual(new Uint8Array(1000).fill(7));
    expect(new TextDecoder().decode(entries[4]?.data)).toBe("long\n");
  });

  test("writes 512-byte blocks ending in two zero blocks", () => {
    const bytes = writeTar(inputs.slice(0, 1));
    expect(bytes.length).toBe(4 * 512);
    expect(bytes.subarray(1024).every((b) => b === 0)).toBe(true);
    expect(new TextDecoder().decode(bytes.subarray(257, 265))).toBe("ustar\u000000");
  });

  test("refuses what is not a tar archive, or a truncated one", () => {
    const bytes = writeTar(inputs);
    expect(() => readTar(utf8.encode("hello".repeat(200)))).toThrow("not a tar archive");
    expect(() => readTar(new Uint8Array())).toThrow(TarError);
    expect(() => readTar(bytes.subarray(0, 1024 + 100))).toThrow("truncated");
    expect(() => readTar(bytes.subarray(0, bytes.length - 1024))).toThrow("truncated");
    const corrupt = bytes.slice();
    corrupt[1024 + 10] = 0x41; // the second header (after .PKGINFO and its data block), inside its name
    expect(() => readTar(corrupt)).toThrow("corrupt");
  });
});

/** `tar` with the header block at `at` changed by `patch` and its checksum recomputed. */
function patchHeader(tar: Uint8Array, at: number, patch: (block: Uint8Array) => void): Uint8Array {
  const out = tar.slice();
  const block = out.subarray(at, at + 512);
  patch(block);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.set(utf8.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return out;
}

describe("tar edge cases, read as libarchive (and so pacman) reads them", () => {
  const file = (path: string): TarInput => ({ path, type: "file", mode: 0o644, mtime: 0, data: utf8.encode("x") });

  test("a directory or symlink has no data, whatever its ustar size field says", () => {
    for (const entry of [
      { path: "usr", type: "dir", mode: 0o755, mtime: 0 },
      { path: "usr/link", type: "symlink", mode: 0o777, mtime: 0, linkname: "x" },
    ] satisfies TarInput[]) {
      // The size claims the next entry's header and data block as this entry's data.
      const tar = patchHeader(writeTar([entry, file("../../etc/hidden"), file("usr/ok")]), 0, (block) =>
        block.set(utf8.encode("00000002000\0"), 124),
      );
      expect(readTar(tar).map((e) => e.path)).toEqual([
        entry.type === "dir" ? "usr/" : "usr/link",
        "../../etc/hidden",
        "usr/ok",
      ]);
    }
  });

  test("GNU headers have no ustar prefix: the bytes there are not part of the name", () => {
    const tar = patchHeader(writeTar([file("usr/ok")]), 0, (block) => {
      block.set(utf8.encode("ustar  \0"), 257);
      block.set(utf8.encode("14715335522\0"), 345); // the old GNU header's atime
    });
    expect(readTar(tar).map((e) => e.path)).toEqual(["usr/ok"]);
  });

  test("refuses a pax record whose length is not plain digits or that does not end in a newline", () => {
    // libarchive ignores such a record (and would use the ustar name instead of this path).
    const tar = writeTar([file(`usr/${"n".repeat(120)}`)]);
    const withBody = (text: string) => {
      const bytes = patchHeader(tar, 0, (block) =>
        block.set(utf8.encode(`${text.length.toString(8).padStart(11, "0")}\0`), 124),
      );
      bytes.fill(0, 512, 1024);
      bytes.set(utf8.encode(text), 512);
      return bytes;
    };
    expect(readTar(withBody("15 path=usr/ok\n"))[0]?.path).toBe("usr/ok");
    expect(() => readTar(withBody("+16 path=usr/ok\n"))).toThrow("pax header at byte 512 is malformed");
    expect(() => readTar(withBody("15 path=usr/okx"))).toThrow("pax header at byte 512 is malformed");
  });
});
