import { describe, expect, test } from "bun:test";
import { pkgbaseOfProject, projectPathOf } from "./project-path";

describe("projectPathOf", () => {
  test.each([
    ["zlib", "zlib"],
    ["libc++", "libcplusplus"],
    ["archlinux++-5.0", "archlinuxplusplus-5.0"],
    ["dvd+rw-tools", "dvd-rw-tools"],
    ["arch+linux", "arch-linux"],
    ["tree", "unix-tree"],
    ["python-pyqt5_sip", "python-pyqt5_sip"],
    ["foo@bar", "foo-bar"],
    ["a_-b", "a-b"],
    ["treesitter", "treesitter"],
  ])("%s → %s", (pkgbase, path) => {
    expect(projectPathOf(pkgbase)).toBe(path);
  });
});

describe("pkgbaseOfProject", () => {
  test("a project named by its pkgbase, at the conventional path", () => {
    expect(pkgbaseOfProject({ name: "libc++", path: "libcplusplus" })).toEqual({ ok: true, pkgbase: "libc++" });
    expect(pkgbaseOfProject({ name: "tree", path: "unix-tree" })).toEqual({ ok: true, pkgbase: "tree" });
  });
  test("a path that does not follow the convention is refused with a sentence", () => {
    const r = pkgbaseOfProject({ name: "libc++", path: "libc" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain("libcplusplus");
  });
  test("a name that is not a pkgbase is refused", () => {
    const r = pkgbaseOfProject({ name: "Some Project", path: "some-project" });
    expect(r.ok).toBe(false);
  });
});
