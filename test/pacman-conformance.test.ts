// Against pacman's own tools: the database entries writeRepoDatabase writes are the ones repo-add writes
// for the same files, and a package built by the real makepkg is read and accepted like our own.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildPackage,
  checkUpload,
  inspectPackage,
  type RepoEntry,
  repoEntry,
  storePackage,
  writeRepoDatabase,
} from "../src/pacman";
import { decompress } from "../src/pacman/compression";
import { readTar } from "../src/pacman/tar";

const _have = (tool: string) => Bun.which(tool) !== null;

// A UTF-8 locale, as on Arch's repository hosts: in plain C, bsdtar (and so repo-add) octal-escapes
// non-ASCII file names in the .files database.
function run(cmd: string[], cwd: string): string {
  const r = Bun.spawnSync({
    cmd,
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0)
    throw new Error(`${cmd.join(" ")} exited ${r.exitCode}:\n${r.stdout.toString()}${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** `<entry dir>/<file>` → contents, for every file in a (compressed) database. */
function databaseFiles(path: string): Record<string, string> {
  const entries = readTar(decompress(readFileSync(path)));
  return Object.fromEntries(
    entries.filter((e) => e.type === "file").map((e) => [e.path, new TextDecoder().decode(e.data)]),
  );
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "buildbtw-pacman-conformance-"));
  // makepkg runs as nobody below and must reach its directory.
  chmodSync(work, 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("writeRepoDatabase and repo-add", () => {
  test("write the same desc and files entries for the same packages", async () => {
    const ours = join(work, "ours");
    const theirs = join(work, "theirs");
    mkdirSync(theirs, { recursive: true });
    const packages = [
      buildPackage(
        {
          pkgname: "libfoo",
          pkgbase: "foo",
          version: { epoch: "2", pkgver: "1.0", pkgrel: "1.1" },
          arch: "x86_64",
          pkgdesc: "A   library with  spaces",
          url: "https://example.org/foo",
          license: ["MIT", "custom:Foo"],
          groups: ["foo-group"],
          depends: ["glibc>=2.38", "libbar.so=1-64"],
          makedepends: ["cmake"],
          checkdepends: ["python-pytest"],
          optdepends: ["python: bindings", "perl"],
          provides: ["libfoo.so=2-64"],
          conflicts: ["libfoo-git"],
          replaces: ["oldfoo"],
        },
        {
          "usr/lib/libfoo.so.2": "ELF?",
          "usr/include/foo.h": "#pragma once\n",
          "usr/share/doc/foo/Read Me.txt": "hi",
          "usr/share/Ünïcode": "x",
        },
      ),
      buildPackage({
        pkgname: "foo-docs",
        pkgbase: "foo",
        version: { epoch: "2", pkgver: "1.0", pkgrel: "1.1" },
        arch: "any",
      }),
      buildPackage({ pkgname: "tiny", pkgbase: "tiny", version: "0.1-1", arch: "x86_64", license: [], pkgdesc: "" }),
    ];
    const entries: RepoEntry[] = [];
    for (const bytes of packages) {
      const info = inspectPackage(bytes);
      const name = `${info.pkginfo.pkgname}-${info.pkginfo.version}-${info.pkginfo.arch}.pkg.tar.zst`;
      entries.push(repoEntry(name, info));
      await storePackage(ours, name, bytes);
      writeFileSync(join(theirs, name), bytes);
    }
    await writeRepoDatabase(ours, "conf", entries);
    run(
      [
        "repo-add",
        "--quiet",
        join(theirs, "conf.db.tar.gz"),
        ...readdirSync(theirs)
          .filter((n) => n.endsWith(".pkg.tar.zst"))
          .map((n) => join(theirs, n)),
      ],
      theirs,
    );

    expect(databaseFiles(join(ours, "conf.db"))).toEqual(databaseFiles(join(theirs, "conf.db.tar.gz")));
    expect(databaseFiles(join(ours, "conf.files"))).toEqual(databaseFiles(join(theirs, "conf.files.tar.gz")));
    expect(Object.keys(databaseFiles(join(ours, "conf.files"))).sort()).toEqual([
      "foo-docs-2:1.0-1.1/desc",
      "foo-docs-2:1.0-1.1/files",
      "libfoo-2:1.0-1.1/desc",
      "libfoo-2:1.0-1.1/files",
      "tiny-0.1-1/desc",
      "tiny-0.1-1/files",
    ]);
  });
});

// makepkg refuses to run as root, so the reference package is built as `nobody`.
describe("a package built by the real makepkg", () => {
  test("is read by inspectPackage, accepted by checkUpload, and listed as repo-add lists it", async () => {
    const dir = join(work, "makepkg");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "PKGBUILD"),
      [
        "pkgname=(refpkg refpkg-data)",
        "pkgbase=refbase",
        "pkgver=1.2",
        "pkgrel=3",
        "epoch=1",
        "pkgdesc='A reference   package'",
        "arch=(x86_64)",
        "url=https://example.invalid",
        "license=(MIT)",
        "package_refpkg() {",
        "  depends=('glibc>=2.0' refpkg-data)",
        "  optdepends=('python: bindings')",
        "  provides=(libref.so)",
        '  install -Dm755 /dev/stdin "$pkgdir/usr/bin/refpkg" <<< "#!/bin/sh"',
        '  ln -s refpkg "$pkgdir/usr/bin/refpkg-link"',
        "}",
        "package_refpkg-data() {",
        "  arch=(any)",
        '  install -Dm644 /dev/stdin "$pkgdir/usr/share/refpkg/data file" <<< "data"',
        "}",
        "",
      ].join("\n"),
    );
    const nobody = Number(run(["id", "-u", "nobody"], dir).trim());
    chownSync(dir, nobody, -1);
    chownSync(join(dir, "PKGBUILD"), nobody, -1);
    run(
      [
        "su",
        "-s",
        "/bin/sh",
        "nobody",
        "-c",
        `cd '${dir}' && PKGEXT=.pkg.tar.zst PACKAGER='Ref <ref@example.invalid>' makepkg --nodeps --nocheck --noconfirm --log >/dev/null 2>&1 || { cat *.log; exit 1; }`,
      ],
      dir,
    );

    const expected = {
      fileNames: ["refpkg-1:1.2-3-x86_64.pkg.tar.zst", "refpkg-data-1:1.2-3-any.pkg.tar.zst"],
      pkgbase: "refbase",
      version: { epoch: "1", pkgver: "1.2", pkgrel: "3" },
      arch: "x86_64",
    };
    expect(
      readdirSync(dir)
        .filter((n) => n.endsWith(".pkg.tar.zst"))
        .sort(),
    ).toEqual(expected.fileNames);
    const theirs = join(work, "makepkg-theirs");
    const ours = join(work, "makepkg-ours");
    mkdirSync(theirs, { recursive: true });
    const entries: RepoEntry[] = [];
    for (const fileName of expected.fileNames) {
      const bytes = new Uint8Array(readFileSync(join(dir, fileName)));
      const entry = checkUpload({ fileName, bytes, expected });
      entries.push(entry);
      writeFileSync(join(theirs, fileName), bytes);
    }
    expect(entries[0]?.pkginfo).toMatchObject({
      pkgname: "refpkg",
      pkgbase: "refbase",
      version: "1:1.2-3",
      pkgdesc: "A reference package",
      packager: "Ref <ref@example.invalid>",
      depends: ["glibc>=2.0", "refpkg-data"],
      optdepends: ["python: bindings"],
      provides: ["libref.so"],
    });
    expect(entries[0]?.files).toEqual(["usr/", "usr/bin/", "usr/bin/refpkg", "usr/bin/refpkg-link"]);
    expect(entries[1]?.files).toEqual(["usr/", "usr/share/", "usr/share/refpkg/", "usr/share/refpkg/data file"]);

    await writeRepoDatabase(ours, "ref", entries);
    run(
      ["repo-add", "--quiet", join(theirs, "ref.db.tar.gz"), ...expected.fileNames.map((n) => join(theirs, n))],
      theirs,
    );
    expect(databaseFiles(join(ours, "ref.files"))).toEqual(databaseFiles(join(theirs, "ref.files.tar.gz")));
  }, 60_000);
});
