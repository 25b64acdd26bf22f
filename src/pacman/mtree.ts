// .MTREE, as makepkg makes it with `bsdtar --format=mtree --options='!all,use-set,type,uid,gid,mode,
// time,size,md5,sha256,link'`: pacman stores it on install and `pacman -Qkk` checks files against it.
import { createHash } from "node:crypto";
import type { TarInput } from "./tar";

const DEFAULT_FILE_MODE = 0o644;
const utf8 = new TextEncoder();

/** The uncompressed .MTREE text for `entries` (which must not include .MTREE itself), in their order. */
export function formatMtree(entries: readonly TarInput[]): string {
  const lines = ["#mtree", `/set type=file uid=0 gid=0 mode=${DEFAULT_FILE_MODE.toString(8)}`];
  for (const e of entries) {
    const words = [`./${mtreeEscape(e.path.replace(/\/$/, ""))}`, `time=${Math.floor(e.mtime)}.0`];
    const mode = e.mode & 0o7777;
    switch (e.type) {
      case "dir":
        words.push(`mode=${mode.toString(8)}`, "type=dir");
        break;
      case "symlink":
        words.push(`mode=${mode.toString(8)}`, "type=link", `link=${mtreeEscape(e.linkname ?? "")}`);
        break;
      case "file": {
        const data = e.data ?? new Uint8Array();
        if (mode !== DEFAULT_FILE_MODE) words.push(`mode=${mode.toString(8)}`);
        words.push(
          `size=${data.length}`,
          `md5digest=${createHash("md5").update(data).digest("hex")}`,
          `sha256digest=${createHash("sha256").update(data).digest("hex")}`,
        );
        break;
      }
    }
    lines.push(words.join(" "));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * libarchive's mtree quoting: bytes outside printable ASCII, and space, `#`, `=` and `\`, become a
 * backslash and three octal digits.
 */
export function mtreeEscape(name: string): string {
  let out = "";
  for (const b of utf8.encode(name)) {
    const safe = b > 0x20 && b < 0x7f && b !== 0x23 && b !== 0x3d && b !== 0x5c;
    out += safe ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, "0")}`;
  }
  return out;
}
