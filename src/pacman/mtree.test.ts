import { expect, test } from "bun:test";
import { formatMtree, mtreeEscape } from "./mtree";

const utf8 = new TextEncoder();

test("formats entries as bsdtar --format=mtree does for makepkg", () => {
  // The reference lines come from makepkg 6.0.2's .MTREE for the same tree.
  const t = 1795468987;
  const text = formatMtree([
    { path: "usr", type: "dir", mode: 0o755, mtime: t },
    { path: "usr/share/reffoo/hello", type: "file", mode: 0o644, mtime: t, data: utf8.encode("hi\n") },
    { path: "usr/share/reffoo/link", type: "symlink", mode: 0o777, mtime: t, linkname: "hello" },
    { path: "usr/bin/tool", type: "file", mode: 0o755, mtime: t, data: utf8.encode("x\n") },
  ]);
  expect(text).toBe(
    [
      "#mtree",
      "/set type=file uid=0 gid=0 mode=644",
      "./usr time=1795468987.0 mode=755 type=dir",
      "./usr/share/reffoo/hello time=1795468987.0 size=3 md5digest=764efa883dda1e11db47671c4a3bbd9e sha256digest=98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4",
      "./usr/share/reffoo/link time=1795468987.0 mode=777 type=link link=hello",
      "./usr/bin/tool time=1795468987.0 mode=755 size=2 md5digest=401b30e3b8b5d629635a5c613cdb7919 sha256digest=73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac",
      "",
    ].join("\n"),
  );
});

test("quotes names as libarchive does", () => {
  expect(mtreeEscape("a b/f#=\\é")).toBe("a\\040b/f\\043\\075\\134\\303\\251");
  expect(mtreeEscape("plain-name_1.2+x@y")).toBe("plain-name_1.2+x@y");
});
