// Upload checks on a real directory: every refusal is a typed error with one sentence, and nothing is
// written for a refused upload (README.md, Architecture: pacman repositories and rules for every part).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Invalid } from "../core/errors";
import type { Version } from "../core/types";
import {
  buildPackage,
  checkUpload,
  type ExpectedUpload,
  NotAPackage,
  PackageMismatch,
  PackageRejected,
  type SyntheticPackage,
  storePackage,
  UnexpectedPackageFile,
  writeRepoDatabase,
} from ".";

const version: Version = { epoch: null, pkgver: "1.0", pkgrel: "1" };
const FILE = "libfoo-1.0-1-x86_64.pkg.tar.zst";
const DOCS = "libfoo-docs-1.0-1-any.pkg.tar.zst";
const expected: ExpectedUpload = { fileNames: [FILE, DOCS], pkgbase: "foo", version, arch: "x86_64" };
const meta: SyntheticPackage = { pkgname: "libfoo", pkgbase: "foo", version, arch: "x86_64" };

let work: string;
let repoDir: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "buildbtw-pacman-upload-"));
  repoDir = join(work, "repos", "ns", "1", "x86_64");
  mkdirSync(repoDir, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** What the server does with an upload: check, then store. */
async function accept(fileName: string, bytes: Uint8Array, exp: ExpectedUpload = expected) {
  const entry = checkUpload({ fileName, bytes, expected: exp });
  await storePackage(repoDir, fileName, bytes);
  return entry;
}

async function refusal(fileName: string, bytes: Uint8Array, exp: ExpectedUpload = expected): Promise<Error> {
  try {
    await accept(fileName, bytes, exp);
  } catch (error) {
    expect(readdirSync(repoDir)).toEqual([]);
    expect(readdirSync(work)).toEqual(["repos"]);
    return error as Error;
  }
  throw new Error(`upload of ${fileName} was accepted`);
}

describe("accepted uploads", () => {
  test("a package matching its file name and the node is stored under its name, nothing else", async () => {
    const bytes = buildPackage(meta);
    const entry = await accept(FILE, bytes);
    expect(entry.filename).toBe(FILE);
    expect(entry.pkginfo).toMatchObject({ pkgname: "libfoo", pkgbase: "foo", version: "1.0-1", arch: "x86_64" });
    expect(readdirSync(repoDir)).toEqual([FILE]);
    expect(new Uint8Array(await Bun.file(join(repoDir, FILE)).arrayBuffer())).toEqual(bytes);
  });

  test("an `any` package of an x86_64 node, and a node version given as a string", async () => {
    await accept(DOCS, buildPackage({ ...meta, pkgname: "libfoo-docs", arch: "any" }), {
      ...expected,
      version: "1.0-1",
    });
    expect(readdirSync(repoDir)).toEqual([DOCS]);
  });
});

describe("refused uploads", () => {
  test("a file name that is not among the node's expected files", async () => {
    const error = await refusal("libbar-1.0-1-x86_64.pkg.tar.zst", buildPackage({ ...meta, pkgname: "libbar" }));
    expect(error).toBeInstanceOf(UnexpectedPackageFile);
    expect(error.message).toBe(
      `"libbar-1.0-1-x86_64.pkg.tar.zst" is not one of this build's package files (${FILE}, ${DOCS}).`,
    );
  });

  test.each([
    "../x.pkg.tar.zst",
    `../${FILE}`,
    `../../../../tmp/${FILE}`,
    `sub/${FILE}`,
    `/tmp/${FILE}`,
    "",
    "libfoo.tar",
    "libfoo-1.0-1-x86_64.pkg.tar.xz",
  ])("a file name that is not a plain package file name: %j", async (name) => {
    // Even when the node's list were to contain it: the name is checked before it is looked up.
    const error = await refusal(name, buildPackage(meta), { ...expected, fileNames: [...expected.fileNames, name] });
    expect(error).toBeInstanceOf(UnexpectedPackageFile);
    expect(error.message).toContain("is not a package file name");
    await expect(storePackage(repoDir, name, buildPackage(meta))).rejects.toBeInstanceOf(UnexpectedPackageFile);
    expect(existsSync(join(work, "repos", "ns", "1", "x.pkg.tar.zst"))).toBe(false);
    expect(existsSync(join(work, "repos", "ns", "1", FILE))).toBe(false);
  });

  test.each<[string, SyntheticPackage, string]>([
    [
      "pkgname",
      { ...meta, pkgname: "libbar" },
      `"${FILE}" says pkgname "libbar" in its .PKGINFO, but its file name says "libfoo".`,
    ],
    [
      "version",
      { ...meta, version: { ...version, pkgver: "1.1" } },
      `"${FILE}" says version "1.1-1" in its .PKGINFO, but its file name says "1.0-1".`,
    ],
    [
      "epoch",
      { ...meta, version: { ...version, epoch: "1" } },
      `"${FILE}" says version "1:1.0-1" in its .PKGINFO, but its file name says "1.0-1".`,
    ],
    [
      "arch",
      { ...meta, arch: "aarch64" },
      `"${FILE}" says arch "aarch64" in its .PKGINFO, but its file name says "x86_64".`,
    ],
    [
      "arch any",
      { ...meta, arch: "any" },
      `"${FILE}" says arch "any" in its .PKGINFO, but its file name says "x86_64".`,
    ],
    [
      "pkgbase",
      { ...meta, pkgbase: "other" },
      `"${FILE}" says pkgbase "other" in its .PKGINFO, but the build node says "foo".`,
    ],
  ])(".PKGINFO disagreeing with the file name or the node: %s", async (_, wrong, message) => {
    const error = await refusal(FILE, buildPackage(wrong));
    expect(error).toBeInstanceOf(PackageMismatch);
    expect(error.message).toBe(message);
  });

  test("a package agreeing with its file name but not with the node's version or arch", async () => {
    const newer = "libfoo-1.0-2-x86_64.pkg.tar.zst";
    const versionError = await refusal(newer, buildPackage({ ...meta, version: { ...version, pkgrel: "2" } }), {
      ...expected,
      fileNames: [newer],
    });
    expect(versionError.message).toBe(
      `"${newer}" says version "1.0-2" in its .PKGINFO, but the build node says "1.0-1".`,
    );
    const arm = "libfoo-1.0-1-aarch64.pkg.tar.zst";
    const archError = await refusal(arm, buildPackage({ ...meta, arch: "aarch64" }), { ...expected, fileNames: [arm] });
    expect(archError.message).toBe(`"${arm}" says arch "aarch64" in its .PKGINFO, but the build node says "x86_64".`);
  });

  test.each([
    ["text", new TextEncoder().encode("not a package")],
    ["nothing", new Uint8Array()],
    ["a truncated package", buildPackage(meta).subarray(0, 200)],
    [
      "random bytes behind a zstd magic",
      new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, ...crypto.getRandomValues(new Uint8Array(500))]),
    ],
  ])("garbage bytes: %s", async (_, bytes) => {
    const error = await refusal(FILE, bytes);
    expect(error).toBeInstanceOf(NotAPackage);
    expect(error).toBeInstanceOf(PackageRejected);
    expect(error).toBeInstanceOf(Invalid);
    expect(error.message).toStartWith(`"${FILE}" is not a valid package file: `);
    expect(error.message.split(". ")).toHaveLength(1);
  });
});

describe("writeRepoDatabase", () => {
  test("refuses repository names that are not file names", async () => {
    await expect(writeRepoDatabase(repoDir, "../evil", [])).rejects.toBeInstanceOf(Invalid);
    await expect(writeRepoDatabase(repoDir, "a/b", [])).rejects.toBeInstanceOf(Invalid);
    expect(readdirSync(repoDir)).toEqual([]);
  });

  test("refuses a malformed stored entry without touching the existing database", async () => {
    await writeRepoDatabase(repoDir, "buildbtw-ns", []);
    const before = readdirSync(repoDir).sort();
    expect(before).toEqual([
      "buildbtw-ns.db",
      "buildbtw-ns.db.tar.zst",
      "buildbtw-ns.files",
      "buildbtw-ns.files.tar.zst",
    ]);
    await expect(writeRepoDatabase(repoDir, "buildbtw-ns", [{ filename: FILE }])).rejects.toBeInstanceOf(Invalid);
    expect(readdirSync(repoDir).sort()).toEqual(before);
  });
});
