// One pkgbase at one ref: repository `<reposDir>/<pkgbase>`, ref → commit → .SRCINFO → parsed, via the cache.
import { existsSync } from "node:fs";
import { assertNever } from "../core/errors";
import { parsePkgbase } from "../core/names";
import { parseSrcinfo, SrcinfoError } from "../core/srcinfo";
import type { CommitId, Pkgbase, SourceEntry } from "../core/types";
import { pathInside } from "../lib/paths";
import { InvalidSrcinfo, MissingSrcinfo, PkgbaseMismatch, UnknownPkgbase } from "./errors";
import { GitRepository } from "./git-repository";
import type { SrcinfoCache, SrcinfoResult } from "./srcinfo-cache";

const SRCINFO_FILE = ".SRCINFO";
const utf8 = new TextDecoder();

/** Reads and parses the .SRCINFO at `commit`; parse errors and a missing file become results, not throws. */
export function readSrcinfoAt(repo: GitRepository, commit: CommitId): SrcinfoResult {
  const bytes = repo.readRootFile(commit, SRCINFO_FILE);
  if (bytes === undefined) return { kind: "missing" };
  try {
    return { kind: "parsed", srcinfo: parseSrcinfo(utf8.decode(bytes)) };
  } catch (error) {
    if (!(error instanceof SrcinfoError)) throw error;
    return { kind: "invalid", line: error.line, column: error.column, message: error.message };
  }
}

/**
 * The entry a result makes for `pkgbase`, or the typed error explaining why there is none. A .SRCINFO
 * must describe the pkgbase its repository is named after: other parts find sources by that name.
 */
export function entryFrom(
  pkgbase: Pkgbase,
  ref: string,
  commit: CommitId,
  result: SrcinfoResult,
  repository: string,
): SourceEntry {
  switch (result.kind) {
    case "parsed":
      if (result.srcinfo.pkgbase !== pkgbase) throw new PkgbaseMismatch(pkgbase, result.srcinfo.pkgbase, commit);
      return { pkgbase, ref, commit, srcinfo: result.srcinfo };
    case "missing":
      throw new MissingSrcinfo(repository, commit);
    case "invalid":
      throw new InvalidSrcinfo(`${pkgbase}/${SRCINFO_FILE}`, result.line, result.column, result.message, commit);
    default:
      return assertNever(result, "srcinfo result");
  }
}

/** Opens `<reposDir>/<pkgbase>`, checking the name first; UnknownPkgbase when there is no such directory. */
function openSourceRepository(reposDir: string, pkgbase: string): { pkgbase: Pkgbase; repo: GitRepository } {
  const name = parsePkgbase(pkgbase);
  const path = pathInside(reposDir, name);
  if (!existsSync(path)) throw new UnknownPkgbase(name, reposDir);
  return { pkgbase: name, repo: GitRepository.open(path) };
}

/**
 * The pkgbase as its source repository has it at `ref` (origin branch, local branch, tag or commit id).
 * Throws InvalidName, UnknownPkgbase, NotARepository, UnknownRef, MissingSrcinfo, InvalidSrcinfo or
 * PkgbaseMismatch, each with a one-sentence message.
 */
export function readSourceAt(
  reposDir: string,
  pkgbase: string,
  ref: string,
  options: { cache?: SrcinfoCache } = {},
): SourceEntry {
  const { pkgbase: name, repo } = openSourceRepository(reposDir, pkgbase);
  try {
    const commit = repo.resolveCommit(ref);
    let result = options.cache?.getMany([commit]).get(commit);
    if (result === undefined) {
      result = readSrcinfoAt(repo, commit);
      options.cache?.putMany([[commit, result]]);
    }
    return entryFrom(name, ref, commit, result, repo.path);
  } finally {
    repo.close();
  }
}
