// Accepting a package a worker uploads for a build node (README.md, Architecture: pacman repositories): the file name
// must be one the node is expected to produce, and the package's own .PKGINFO must agree with that name and with the
// node.
import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { formatVersion, parsePackageFileName } from "../core/package-file";
import type { Version } from "../core/types";
import { pathInside } from "../lib/paths";
import { moveFileAtomic, TEMP_PREFIX, writeFileAtomic } from "./atomic";
import { NotAPackage, PackageMismatch, UnexpectedPackageFile } from "./errors";
import {
  type FileInspectOptions,
  type InspectOptions,
  inspectPackage,
  inspectPackageFile,
  type PackageFile,
  type PackageInfo,
} from "./package";
import { type RepoEntry, repoEntry } from "./repo-db";

export interface ExpectedUpload {
  /** The package file names the node's build produces. */
  fileNames: readonly string[];
  pkgbase: string;
  /** The node's version, or its full `[epoch:]pkgver-pkgrel`. */
  version: Version | string;
  /** The node's concrete architecture; packages may also be `any`. */
  arch: string;
}

export interface Upload {
  fileName: string;
  bytes: Uint8Array;
  expected: ExpectedUpload;
}

/**
 * The package's repository entry (its PackageInfo and file name) when `fileName` and `bytes` are an
 * acceptable upload for the node; otherwise UnexpectedPackageFile, NotAPackage or PackageMismatch, each
 * with one sentence naming the file.
 */
export function checkUpload(upload: Upload, options: InspectOptions = {}): RepoEntry {
  const { fileName, bytes, expected } = upload;
  checkExpectedName(fileName, expected);
  return agreeingEntry(
    fileName,
    expected,
    inspected(fileName, () => inspectPackage(bytes, options)),
  );
}

/** checkUpload for a file received to disk (streamed and hashed on the way), read in bounded memory. */
export async function checkUploadFile(
  upload: { fileName: string; file: PackageFile; expected: ExpectedUpload },
  options: FileInspectOptions = {},
): Promise<RepoEntry> {
  const { fileName, file, expected } = upload;
  checkExpectedName(fileName, expected);
  let info: PackageInfo;
  try {
    info = await inspectPackageFile(file, options);
  } catch (error) {
    if (error instanceof NotAPackage) throw new NotAPackage(error.reason, JSON.stringify(fileName));
    throw error;
  }
  return agreeingEntry(fileName, expected, info);
}

function checkExpectedName(fileName: string, expected: ExpectedUpload): void {
  checkedFileName(fileName);
  if (!expected.fileNames.includes(fileName)) {
    throw new UnexpectedPackageFile(
      `${JSON.stringify(fileName)} is not one of this build's package files (${expected.fileNames.join(", ") || "none expected"}).`,
    );
  }
}

function inspected(fileName: string, inspect: () => PackageInfo): PackageInfo {
  try {
    return inspect();
  } catch (error) {
    if (error instanceof NotAPackage) throw new NotAPackage(error.reason, JSON.stringify(fileName));
    throw error;
  }
}

/** The repository entry when the package's .PKGINFO agrees with its file name and the build node. */
function agreeingEntry(fileName: string, expected: ExpectedUpload, info: PackageInfo): RepoEntry {
  const quoted = JSON.stringify(fileName);
  const file = checkedFileName(fileName);
  const p = info.pkginfo;
  const nodeVersion = typeof expected.version === "string" ? expected.version : formatVersion(expected.version);
  const disagree = (what: string, inPackage: string, other: string, where: string) =>
    new PackageMismatch(
      `${quoted} says ${what} ${JSON.stringify(inPackage)} in its .PKGINFO, but ${where} says ${JSON.stringify(other)}.`,
    );
  if (p.pkgname !== file.pkgname) throw disagree("pkgname", p.pkgname, file.pkgname, "its file name");
  if (p.version !== formatVersion(file.version))
    throw disagree("version", p.version, formatVersion(file.version), "its file name");
  if (p.arch !== file.arch) throw disagree("arch", p.arch, file.arch, "its file name");
  if (p.pkgbase !== expected.pkgbase) throw disagree("pkgbase", p.pkgbase, expected.pkgbase, "the build node");
  if (p.version !== nodeVersion) throw disagree("version", p.version, nodeVersion, "the build node");
  if (p.arch !== "any" && p.arch !== expected.arch) throw disagree("arch", p.arch, expected.arch, "the build node");
  return repoEntry(fileName, info);
}

/**
 * Move an accepted package file (received into a temporary file on the same file system) into the
 * repository directory: flushed, renamed, directory flushed, so it appears whole or not at all.
 */
export async function storePackageFile(dir: string, fileName: string, file: PackageFile): Promise<void> {
  checkedFileName(fileName);
  await moveFileAtomic(file.path, dir, fileName);
}

/** Write an accepted package into the repository directory atomically. */
export async function storePackage(dir: string, fileName: string, bytes: Uint8Array): Promise<void> {
  // A package file name is a plain file name, so writeFileAtomic's own check (PathEscape) cannot fail here.
  checkedFileName(fileName);
  await writeFileAtomic(dir, fileName, bytes);
}

/**
 * Make `toDir/fileName` a hard link of `fromDir/fileName`: one file on disk for both repositories, so
 * deleting either directory leaves the other whole. False when the source is gone (or the file system
 * cannot link), for the caller to build instead; the link appears under its name atomically.
 */
export function linkPackage(fromDir: string, toDir: string, fileName: string): boolean {
  checkedFileName(fileName);
  const source = pathInside(fromDir, fileName);
  const target = pathInside(toDir, fileName);
  const temp = pathInside(toDir, `${TEMP_PREFIX}${randomUUID()}`);
  try {
    mkdirSync(toDir, { recursive: true });
    linkSync(source, temp);
    renameSync(temp, target);
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}

function checkedFileName(fileName: string) {
  // parsePackageFileName already refuses `/` (not in the name alphabets); basename says so explicitly.
  const parsed = basename(fileName) === fileName ? parsePackageFileName(fileName) : null;
  if (parsed === null) {
    throw new UnexpectedPackageFile(
      `${JSON.stringify(fileName)} is not a package file name (pkgname-[epoch:]pkgver-pkgrel-arch.pkg.tar.zst).`,
    );
  }
  return parsed;
}
