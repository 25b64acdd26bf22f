// The repository as pacman sees it: synthetic packages uploaded through the same checks the server runs,
// the database written by writeRepoDatabase, served over real HTTP, and real pacman syncing, resolving
// dependencies (by name, by version constraint, through provides), installing and upgrading from it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFileName } from "../src/core/package-file";
import type { Version } from "../src/core/types";
import {
  buildPackage,
  checkUpload,
  type RepoEntry,
  type SyntheticPackage,
  storePackage,
  writeRepoDatabase,
} from "../src/pacman";
import { decompress } from "../src/pacman/compression";
import { readTar } from "../src/pacman/tar";
import { createPacmanRoot, type PacmanRoot, type ServedDirectory, serveDirectory } from "./support/pacman";

const REPO = "buildbtw-demo";
const v = (pkgver: string, pkgrel = "1", epoch: string | null = null): Version => ({ epoch, pkgver, pkgrel });

const libfoo: SyntheticPackage = {
  pkgname: "libfoo",
  pkgbase: "foo",
  version: v("1.0"),
  arch: "x86_64",
  provides: ["libfoo.so=1-64"],
  pkgdesc: "The foo library",
};
const fonts: SyntheticPackage = { pkgname: "fonts-common", pkgbase: "fonts", version: v("20240101"), arch: "any" };
const impl: SyntheticPackage = {
  pkgname: "impl-thing",
  pkgbase: "impl-thing",
  version: v("3.1"),
  arch: "x86_64",
  provides: ["virtual-thing=3.1"],
};
const app: SyntheticPackage = {
  pkgname: "app",
  pkgbase: "app",
  version: v("2.0", "1", "1"),
  arch: "x86_64",
  depends: ["libfoo>=1.0", "virtual-thing>=3", "fonts-common"],
  optdepends: ["python: scripting"],
  pkgdesc: "An application",
};
const unrelated: SyntheticPackage = { pkgname: "unrelated", pkgbase: "unrelated", version: v("1"), arch: "x86_64" };

describe("a pacman repository written by writeRepoDatabase", () => {
  let work: string;
  let repoDir: string;
  let served: ServedDirectory;
  let pacman: PacmanRoot;
  const entries: RepoEntry[] = [];

  /** Upload as the server does: check against the node's expectations, store, remember the entry. */
  async function upload(meta: SyntheticPackage): Promise<string> {
    const version = meta.version as Version;
    const fileName = packageFileName({ pkgname: meta.pkgname, version, arch: meta.arch });
    const bytes = buildPackage(meta);
    const entry = checkUpload({
      fileName,
      bytes,
      expected: { fileNames: [fileName], pkgbase: meta.pkgbase, version, arch: "x86_64" },
    });
    await storePackage(repoDir, fileName, bytes);
    // Through JSON, as the server keeps it in SQLite.
    entries.push(JSON.parse(JSON.stringify(entry)));
    return fileName;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "buildbtw-pacman-repo-"));
    repoDir = join(work, "repo");
    for (const meta of [libfoo, fonts, impl, app, unrelated]) await upload(meta);
    await writeRepoDatabase(repoDir, REPO, entries);
    served = serveDirectory(repoDir);
    pacman = createPacmanRoot({ repos: [{ name: REPO, server: served.url }] });
  });

  afterAll(async () => {
    await served?.stop();
    pacman?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the directory holds the packages and the four database files, and no temporary files", () => {
    expect(readdirSync(repoDir).sort()).toEqual([
      "app-1:2.0-1-x86_64.pkg.tar.zst",
      `${REPO}.db`,
      `${REPO}.db.tar.zst`,
      `${REPO}.files`,
      `${REPO}.files.tar.zst`,
      "fonts-common-20240101-1-any.pkg.tar.zst",
      "impl-thing-3.1-1-x86_64.pkg.tar.zst",
      "libfoo-1.0-1-x86_64.pkg.tar.zst",
      "unrelated-1-1-x86_64.pkg.tar.zst",
    ]);
    expect(readFileSync(join(repoDir, `${REPO}.db`))).toEqual(readFileSync(join(repoDir, `${REPO}.db.tar.zst`)));
  });

  test("the server answers as a mirror: octet-stream, HEAD, byte ranges", async () => {
    const db = readFileSync(join(repoDir, `${REPO}.db`));
    const head = await fetch(`${served.url}/${REPO}.db`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/octet-stream");
    expect(head.headers.get("content-length")).toBe(String(db.length));
    const ranged = await fetch(`${served.url}/${REPO}.db`, { headers: { Range: "bytes=10-19" } });
    expect(ranged.status).toBe(206);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(new Uint8Array(db.subarray(10, 20)));
    expect((await fetch(`${served.url}/${REPO}.nope`)).status).toBe(404);
  });

  test("pacman -Sy and -S install the dependent with its dependencies resolved from our repository", async () => {
    await pacman.ok("-Sy");
    const out = await pacman.ok("-S", "app");
    expect(out).toContain("Packages (4)");
    expect(await pacman.installed()).toEqual({
      app: "1:2.0-1",
      "fonts-common": "20240101-1",
      "impl-thing": "3.1-1",
      libfoo: "1.0-1",
    });
    for (const name of ["app", "fonts-common", "impl-thing", "libfoo"]) {
      expect(readFileSync(pacman.path(`usr/share/buildbtw-fake/${name}`), "utf8")).toStartWith(`${name} `);
    }
    expect(await pacman.ok("-Qi", "libfoo")).toMatch(
      /Install Reason\s+: Installed as a dependency for another package/,
    );
    expect(await pacman.ok("-Qi", "app")).toMatch(/Depends On\s+: libfoo>=1.0\s+virtual-thing>=3\s+fonts-common/);
    expect(served.requests).toContain(`GET /${REPO}.db`);
    expect(served.requests).toContain("GET /app-1:2.0-1-x86_64.pkg.tar.zst");
  });

  test("pacman -Qkk finds every installed file as each package's .MTREE describes it", async () => {
    const out = await pacman.ok("-Qkk");
    for (const name of ["app", "fonts-common", "impl-thing", "libfoo"])
      expect(out).toMatch(new RegExp(`^${name}: \\d+ total files, 0 altered files$`, "m"));
  });

  test("pacman -Sii shows the metadata of the database entry, -Qip that of the file", async () => {
    const sync = await pacman.ok("-Sii", `${REPO}/libfoo`);
    expect(sync).toMatch(/Repository\s+: buildbtw-demo/);
    expect(sync).toMatch(/Provides\s+: libfoo.so=1-64/);
    expect(sync).toMatch(/Description\s+: The foo library/);
    const file = await pacman.ok("-Qip", join(repoDir, "app-1:2.0-1-x86_64.pkg.tar.zst"));
    expect(file).toMatch(/Name\s+: app\n/);
    expect(file).toMatch(/Version\s+: 1:2.0-1\n/);
    expect(file).toMatch(/Optional Deps\s+: python: scripting\n/);
  });

  test("pacman -Fy and -Fl read the file lists of the .files database", async () => {
    await pacman.ok("-Fy");
    const out = await pacman.ok("-Fl", "app");
    expect(out.trim().split("\n")).toEqual([
      "app usr/",
      "app usr/share/",
      "app usr/share/buildbtw-fake/",
      "app usr/share/buildbtw-fake/app",
    ]);
  });

  test("a new version of the library, once the database is rewritten, is what pacman -Syu upgrades to", async () => {
    await upload({ ...libfoo, version: v("1.1"), provides: ["libfoo.so=1-64"] });
    // All stored entries, old version included: the database lists only the newest of each name.
    await writeRepoDatabase(repoDir, REPO, entries);
    const listed = readTar(decompress(readFileSync(join(repoDir, `${REPO}.db`))))
      .filter((e) => e.type === "dir")
      .map((e) => e.path);
    expect(listed.filter((p) => p.startsWith("libfoo-"))).toEqual(["libfoo-1.1-1/"]);
    expect(readdirSync(repoDir).filter((n) => n.startsWith(".buildbtw-tmp-"))).toEqual([]);

    await pacman.ok("-Syu");
    expect((await pacman.installed()).libfoo).toBe("1.1-1");
    expect(readFileSync(pacman.path("usr/share/buildbtw-fake/libfoo"), "utf8")).toBe("libfoo 1.1-1 x86_64\n");
  });
});
