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
