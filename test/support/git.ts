// Real git repositories for tests: package repositories with PKGBUILD and .SRCINFO, made with the real `git`.
// Every call runs git with a fixed identity, fixed dates and no user or system configuration, so the same
// steps give the same commit ids on every machine.
//
// The PKGBUILD and .SRCINFO texts come from ./recipes (srcinfo, pkgbuild, recipeFiles).
//
//   const repos = makeTempDir();
//   const { path, commit } = makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib", depends: ["glibc"] }));
//   const next = commit(path, { ".SRCINFO": srcinfo({ pkgbase: "zlib", pkgver: "1.3.2" }) }, "upgpkg: 1.3.2");
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pkgbuild } from "./recipes";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Test Packager",
  GIT_AUTHOR_EMAIL: "packager@example.org",
  GIT_AUTHOR_DATE: "2025-01-01T00:00:00Z",
  GIT_COMMITTER_NAME: "Test Packager",
  GIT_COMMITTER_EMAIL: "packager@example.org",
  GIT_COMMITTER_DATE: "2025-01-01T00:00:00Z",
};
const SETTINGS = [
  "init.defaultBranch=main",
  "gc.auto=0",
  "commit.gpgsign=false",
  "tag.gpgsign=false",
  "advice.detachedHead=false",
  "protocol.file.allow=always",
];

export class GitFailed extends Error {
  override name = "GitFailed";
}

/** Runs `git args…` in `cwd`; returns stdout without its trailing newline, throws GitFailed with stderr. */
export function git(cwd: string, ...args: string[]): string {
  const result = Bun.spawnSync({
    cmd: ["git", ...SETTINGS.flatMap((s) => ["-c", s]), ...args],
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      LC_ALL: "C",
      ...IDENTITY,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new GitFailed(`git ${args.join(" ")} (in ${cwd}) failed: ${result.stderr.toString().trim()}`);
  }
  return result.stdout.toString().replace(/\n$/, "");
}

/** A fresh directory under the system temp dir; remove it with removeDir in afterAll. */
export function makeTempDir(prefix = "buildbtw-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface MakeRepoOptions {
  /** The branch the first commit lands on (default main). */
  branch?: string;
  /** PKGBUILD text (default: a minimal one naming the pkgbase). */
  pkgbuild?: string;
  /** More files to commit, path → content. */
  files?: Record<string, string>;
  message?: string;
}

/**
 * A work-tree repository `<reposDir>/<pkgbase>` with PKGBUILD and .SRCINFO (omitted when `srcinfoText`
 * is null) committed on `branch`. Returns its path and the commit id.
 */
export function makeRepo(
  reposDir: string,
  pkgbase: string,
  srcinfoText: string | null,
  options: MakeRepoOptions = {},
): { path: string; commit: string } {
  const path = join(reposDir, pkgbase);
  mkdirSync(path, { recursive: true });
  git(path, "init", "--quiet", `--initial-branch=${options.branch ?? "main"}`);
  const files: Record<string, string> = {
    PKGBUILD: options.pkgbuild ?? pkgbuild({ pkgbase }),
    ...(srcinfoText === null ? {} : { ".SRCINFO": srcinfoText }),
    ...options.files,
  };
  return { path, commit: commit(path, files, options.message ?? `${pkgbase}: initial commit`) };
}

/** Writes (string) or deletes (null) files relative to the work tree and commits them; returns the commit id. */
export function commit(repoDir: string, files: Record<string, string | null>, message = "update"): string {
  for (const [name, content] of Object.entries(files)) {
    const file = join(repoDir, name);
    if (content === null) {
      git(repoDir, "rm", "--quiet", "--", name);
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      git(repoDir, "add", "--", name);
    }
  }
  git(repoDir, "commit", "--quiet", "--allow-empty", "-m", message);
  return revParse(repoDir, "HEAD");
}

/** The full commit id `rev` names (`HEAD`, `main`, `v1^{}`, …). */
export const revParse = (repoDir: string, rev: string): string =>
  git(repoDir, "rev-parse", "--verify", `${rev}^{commit}`);

/** Creates and switches to a new branch at the current commit (or at `from`). */
export function switchToNewBranch(repoDir: string, name: string, from?: string): void {
  git(repoDir, "switch", "--quiet", "-c", name, ...(from === undefined ? [] : [from]));
}

export function switchTo(repoDir: string, name: string): void {
  git(repoDir, "switch", "--quiet", name);
}

/** A lightweight tag, or an annotated one when `message` is given; at HEAD unless `at` names a commit. */
export function tag(repoDir: string, name: string, options: { message?: string; at?: string } = {}): void {
  const target = options.at === undefined ? [] : [options.at];
  if (options.message === undefined) git(repoDir, "tag", name, ...target);
  else git(repoDir, "tag", "-a", name, "-m", options.message, ...target);
}

/** `git clone` (a work tree unless `bare`): the clone has the source's branches as `origin/<branch>` only. */
export function clone(source: string, destination: string, options: { bare?: boolean } = {}): void {
  git(dirname(destination), "clone", "--quiet", ...(options.bare ? ["--bare"] : []), source, destination);
}

/** `git fetch origin` in a clone: moves its `origin/<branch>` refs. */
export const fetch = (repoDir: string): void => void git(repoDir, "fetch", "--quiet", "origin");

/** Packs every object and ref: no loose objects left, refs moved to packed-refs. */
export const gc = (repoDir: string): void => void git(repoDir, "gc", "--quiet", "--prune=now");

/** Counts of a repository's objects: loose ones, and packed ones stored as deltas (from `git verify-pack -v`). */
export function objectCounts(repoDir: string): { loose: number; packed: number; deltas: number } {
  const gitDir = git(repoDir, "rev-parse", "--absolute-git-dir");
  const loose = Number(/^count: (\d+)$/m.exec(git(repoDir, "count-objects", "-v"))?.[1] ?? 0);
  let packed = 0;
  let deltas = 0;
  const packDir = join(gitDir, "objects", "pack");
  const indexes = existsSync(packDir) ? readdirSync(packDir).filter((n) => n.endsWith(".idx")) : [];
  for (const idx of indexes) {
    for (const line of git(repoDir, "verify-pack", "-v", join(packDir, idx)).split("\n")) {
      // "<id> <type> <size> <size-in-pack> <offset> [<depth> <base-id>]"
      const fields = line.split(/\s+/);
      if (!/^[0-9a-f]{40}$/.test(fields[0] ?? "")) continue;
      packed++;
      if (fields.length >= 7) deltas++;
    }
  }
  return { loose, packed, deltas };
}
