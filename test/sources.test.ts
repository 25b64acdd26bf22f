// Reading package source repositories made by the real git: refs of every kind, loose and packed objects
// (deltas included), the whole-universe load with its skips, and the commit-keyed .SRCINFO cache.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidName } from "../src/core/names";
import {
  CACHE_FORMAT,
  CorruptRepository,
  GitRepository,
  InvalidSrcinfo,
  loadUniverse,
  MissingSrcinfo,
  openSrcinfoCache,
  readRefs,
  readSourceAt,
  reloadChanged,
  UnknownPkgbase,
  UnknownRef,
} from "../src/sources";
import {
  clone,
  commit,
  fetch,
  gc,
  git,
  makeRepo,
  makeTempDir,
  objectCounts,
  removeDir,
  revParse,
  switchTo,
  switchToNewBranch,
  tag,
} from "./support/git";
import { srcinfo } from "./support/recipes";

const dirs: string[] = [];
const tempDir = () => {
  const dir = makeTempDir("buildbtw-sources-");
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach(removeDir));

/** A .SRCINFO of a few hundred lines, so successive versions are stored as deltas of each other. */
function bigSrcinfo(version: number): string {
  const depends = Array.from({ length: 150 }, (_, i) => `lib${i}-dependency-with-a-long-name>=${i}.0`);
  return srcinfo({
    pkgbase: "big",
    pkgver: `${version}.0`,
    depends: [...depends, `extra-${version}`],
    makedepends: ["cmake", "ninja"],
    packages: ["big", { pkgname: "big-docs", arch: ["any"], depends: [] }],
  });
}

const readSrcinfoText = (repo: GitRepository, rev: string) =>
  new TextDecoder().decode(repo.readRootFile(repo.resolveCommit(rev), ".SRCINFO"));

describe("one repository at a ref", () => {
  let repos: string;
  let zlib: { path: string; commit: string };

  beforeAll(() => {
    repos = tempDir();
    zlib = makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib", pkgver: "1.3.1", packages: ["zlib", "minizip"] }));
  });

  test("loose objects: the main branch's .SRCINFO, parsed", () => {
    expect(objectCounts(zlib.path).loose).toBeGreaterThan(0);
    const entry = readSourceAt(repos, "zlib", "main");
    expect(entry.pkgbase).toBe("zlib" as typeof entry.pkgbase);
    expect(entry.ref).toBe("main");
    expect(entry.commit).toBe(zlib.commit as typeof entry.commit);
    expect(entry.srcinfo.version.pkgver).toBe("1.3.1");
    expect(entry.srcinfo.packages.map((p) => p.pkgname)).toEqual(["zlib", "minizip"]);
  });

  test("a local branch, HEAD, and full and abbreviated commit ids", () => {
    switchToNewBranch(zlib.path, "wip");
    const wip = commit(zlib.path, { ".SRCINFO": srcinfo({ pkgbase: "zlib", pkgver: "1.4.0" }) }, "wip");
    expect(readSourceAt(repos, "zlib", "wip").commit).toBe(wip as never);
    expect(readSourceAt(repos, "zlib", "HEAD").commit).toBe(wip as never);
    switchTo(zlib.path, "main");
    expect(readSourceAt(repos, "zlib", "HEAD").commit).toBe(zlib.commit as never);
    expect(readSourceAt(repos, "zlib", "main").srcinfo.version.pkgver).toBe("1.3.1");
    expect(readSourceAt(repos, "zlib", wip).srcinfo.version.pkgver).toBe("1.4.0");
    expect(readSourceAt(repos, "zlib", wip.slice(0, 7)).commit).toBe(wip as never);
  });

  test("lightweight and annotated tags, both peeled to their commit", () => {
    tag(zlib.path, "1.3.1-1");
    tag(zlib.path, "1.3.1-1-signed", { message: "release 1.3.1-1" });
    expect(git(zlib.path, "cat-file", "-t", "1.3.1-1-signed")).toBe("tag");
    expect(readSourceAt(repos, "zlib", "1.3.1-1").commit).toBe(zlib.commit as never);
    expect(readSourceAt(repos, "zlib", "1.3.1-1-signed").commit).toBe(zlib.commit as never);
  });

  test("an unknown ref says what was tried", () => {
    const error = catchError(() => readSourceAt(repos, "zlib", "nope"));
    expect(error).toBeInstanceOf(UnknownRef);
    expect(error.message).toContain("refs/remotes/origin/nope, refs/heads/nope, refs/tags/nope");
    const hex = catchError(() => readSourceAt(repos, "zlib", "deadbeef"));
    expect(hex).toBeInstanceOf(UnknownRef);
    expect(hex.message).toContain("commit id");
  });

  test("a missing repositories directory is one clear sentence", async () => {
    await expect(loadUniverse(join(repos, "nowhere"))).rejects.toThrow(
      `the source repositories directory ${join(repos, "nowhere")} does not exist`,
    );
  });

  test("an unknown pkgbase is one clear sentence; a name that could escape never reaches the filesystem", () => {
    const error = catchError(() => readSourceAt(repos, "nosuch", "main"));
    expect(error).toBeInstanceOf(UnknownPkgbase);
    expect(error.message).toBe(`there is no source repository for pkgbase nosuch in ${repos}`);
    expect(catchError(() => readSourceAt(repos, "../zlib", "main"))).toBeInstanceOf(InvalidName);
    expect(catchError(() => readSourceAt(repos, "zlib", "../../etc/passwd"))).toBeInstanceOf(UnknownRef);
  });

  test("a commit without .SRCINFO, and one with a broken .SRCINFO, are typed errors", () => {
    const { path } = makeRepo(repos, "nosrcinfo", null);
    expect(catchError(() => readSourceAt(repos, "nosrcinfo", "main"))).toBeInstanceOf(MissingSrcinfo);
    commit(path, { ".SRCINFO": "pkgbase = nosrcinfo\n\tpkgver = 1\n\tpkgrel = 1\nbogus line\n" }, "broken");
    const error = catchError(() => readSourceAt(repos, "nosrcinfo", "main"));
    expect(error).toBeInstanceOf(InvalidSrcinfo);
    expect(error.message).toStartWith("nosrcinfo/.SRCINFO:4: ");
  });

  test("symbolic refs that point at each other are damage, not a hang", () => {
    git(zlib.path, "symbolic-ref", "refs/heads/loop-a", "refs/heads/loop-b");
    git(zlib.path, "symbolic-ref", "refs/heads/loop-b", "refs/heads/loop-a");
    const error = catchError(() => readSourceAt(repos, "zlib", "loop-a"));
    expect(error).toBeInstanceOf(CorruptRepository);
    expect(error.message).toContain("symbolic ref refs/heads/loop-");
  });
});

describe("packed repositories", () => {
  let repos: string;
  let path: string;
  const commits: string[] = [];

  beforeAll(() => {
    repos = tempDir();
    const first = makeRepo(repos, "big", bigSrcinfo(1));
    path = first.path;
    commits.push(first.commit);
    for (let v = 2; v <= 8; v++) commits.push(commit(path, { ".SRCINFO": bigSrcinfo(v) }, `upgpkg: ${v}.0`));
    tag(path, "v3", { message: "annotated", at: commits[2] });
    tag(path, "v4", { at: commits[3] });
    gc(path);
  });

  test("after git gc every object is packed, many as deltas, and every ref is in packed-refs", () => {
    const counts = objectCounts(path);
    expect(counts.loose).toBe(0);
    expect(counts.deltas).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(path, ".git", "refs", "heads", "main"))).toBe(false);
    expect(existsSync(join(path, ".git", "packed-refs"))).toBe(true);
  });

  test("every version reads exactly as git shows it (OFS_DELTA chains)", () => {
    const repo = GitRepository.open(path);
    try {
      for (const c of commits) expect(readSrcinfoText(repo, c)).toBe(`${git(path, "show", `${c}:.SRCINFO`)}\n`);
    } finally {
      repo.close();
    }
  });

  test("packed branch and tags (lightweight and annotated) resolve; abbreviated ids search the pack index", () => {
    expect(readSourceAt(repos, "big", "main").commit).toBe(commits[7] as never);
    expect(readSourceAt(repos, "big", "v3").commit).toBe(commits[2] as never);
    expect(readSourceAt(repos, "big", "v3").srcinfo.version.pkgver).toBe("3.0");
    expect(readSourceAt(repos, "big", "v4").commit).toBe(commits[3] as never);
    expect(readSourceAt(repos, "big", commits[0]!.slice(0, 8)).srcinfo.version.pkgver).toBe("1.0");
  });

  test("REF_DELTA packs (repack.useDeltaBaseOffset=false) read the same", () => {
    const copy = join(tempDir(), "big");
    clone(path, copy);
    git(copy, "-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q");
    expect(objectCounts(copy).deltas).toBeGreaterThanOrEqual(5);
    const repo = GitRepository.open(copy);
    try {
      for (const c of commits) expect(readSrcinfoText(repo, c)).toBe(`${git(path, "show", `${c}:.SRCINFO`)}\n`);
    } finally {
      repo.close();
    }
  });

  test("an index with 64-bit offsets (index-pack forces them above an offset) reads the same", () => {
    const copy = join(tempDir(), "big");
    clone(path, copy);
    const { pack, idx } = onlyPack(copy);
    rmSync(idx);
    git(copy, "index-pack", "--index-version=2,0x40", pack);
    // header and fan-out, 28 bytes per object, two checksums: anything more is the 64-bit offset table
    expect(readFileSync(idx).length).toBeGreaterThan(1032 + 28 * objectCounts(copy).packed + 40);
    const repo = GitRepository.open(copy);
    try {
      for (const c of commits) expect(readSrcinfoText(repo, c)).toBe(`${git(path, "show", `${c}:.SRCINFO`)}\n`);
    } finally {
      repo.close();
    }
  });

  test("a REF_DELTA that is its own base is damage, not a stack overflow; a failed load leaks no descriptor", async () => {
    const dir = tempDir();
    const copy = join(dir, "big");
    clone(path, copy);
    git(copy, "-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q");
    const { pack, idx } = onlyPack(copy);
    // verify-pack -v: "<id> <type> <size> <size-in-pack> <offset> <depth> <base-id>" for a delta
    const blobs = new Map(commits.map((c) => [git(path, "rev-parse", `${c}:.SRCINFO`), c]));
    const fields = git(copy, "verify-pack", "-v", idx)
      .split("\n")
      .map((line) => line.split(/\s+/))
      .find((f) => f.length >= 7 && blobs.has(f[0]!))!;
    const [id, , , , offset, , base] = fields as [string, string, string, string, string, string, string];
    const bytes = readFileSync(pack);
    const at = bytes.indexOf(Buffer.from(base, "hex"), Number(offset));
    expect(at - Number(offset)).toBeLessThan(12);
    Buffer.from(id, "hex").copy(bytes, at);
    rmSync(pack); // a fresh file: the clone may share the original's by hard link
    writeFileSync(pack, bytes);

    const repo = GitRepository.open(copy);
    try {
      const error = catchError(() => repo.readRootFile(blobs.get(id) as never, ".SRCINFO"));
      expect(error).toBeInstanceOf(CorruptRepository);
      expect(error.message).toContain("does not end");
    } finally {
      repo.close();
    }

    // Resolving the abbreviated id reads the object, opening the pack, before it fails.
    const open = readdirSync("/proc/self/fd").length;
    const universe = await loadUniverse(dir, { ref: id.slice(0, 12) });
    expect(universe.skipped.map((s) => s.reason)).toEqual([expect.stringContaining("does not end")]);
    expect(readdirSync("/proc/self/fd").length).toBe(open);
  });
});

describe("clones: origin branches first", () => {
  let upstream: string;
  let repos: string;
  let origin: { path: string; commit: string };

  beforeAll(() => {
    upstream = tempDir();
    repos = tempDir();
    origin = makeRepo(upstream, "python", srcinfo({ pkgbase: "python", pkgver: "3.13.0" }));
    clone(origin.path, join(repos, "python"));
    clone(origin.path, join(repos, "python-bare"), { bare: true });
  });

  test("a branch that exists only as origin/<ref> is found", () => {
    switchToNewBranch(origin.path, "python-3.14");
    const bump = commit(origin.path, { ".SRCINFO": srcinfo({ pkgbase: "python", pkgver: "3.14.0" }) }, "3.14");
    switchTo(origin.path, "main");
    fetch(join(repos, "python"));
    expect(git(join(repos, "python"), "branch", "--list", "python-3.14")).toBe("");
    const entry = readSourceAt(repos, "python", "python-3.14");
    expect(entry.commit).toBe(bump as never);
    expect(entry.srcinfo.version.pkgver).toBe("3.14.0");
  });

  test("origin/<ref> wins over a stale local branch of the same name", () => {
    const moved = commit(origin.path, { ".SRCINFO": srcinfo({ pkgbase: "python", pkgver: "3.13.1" }) }, "3.13.1");
    fetch(join(repos, "python"));
    expect(revParse(join(repos, "python"), "refs/heads/main")).toBe(origin.commit);
    expect(readSourceAt(repos, "python", "main").commit).toBe(moved as never);
  });

  test("a shared clone reads objects through objects/info/alternates; a linked work tree through its .git file", () => {
    const shared = join(tempDir(), "python");
    git(upstream, "clone", "--quiet", "--shared", origin.path, shared);
    expect(existsSync(join(shared, ".git", "objects", "info", "alternates"))).toBe(true);
    expect(objectCounts(shared).loose).toBe(0);
    const sharedRepo = GitRepository.open(shared);
    expect(sharedRepo.resolveCommit("main")).toBe(revParse(origin.path, "main") as never);
    expect(readSrcinfoText(sharedRepo, "main")).toContain("pkgbase = python");
    sharedRepo.close();

    const worktree = join(tempDir(), "python-wt");
    git(origin.path, "worktree", "add", "--quiet", "-b", "wt-branch", worktree);
    const wtRepo = GitRepository.open(worktree);
    expect(wtRepo.gitDir).not.toBe(wtRepo.commonDir);
    expect(wtRepo.resolveCommit("HEAD")).toBe(revParse(origin.path, "wt-branch") as never);
    expect(wtRepo.resolveCommit("main")).toBe(revParse(origin.path, "main") as never);
    wtRepo.close();
  });

  test("a bare clone reads like a work tree", () => {
    const repo = GitRepository.open(join(repos, "python-bare"));
    expect(repo.gitDir).toBe(join(repos, "python-bare"));
    expect(repo.resolveCommit("main")).toBe(origin.commit as never);
    repo.close();
  });
});

describe("the universe", () => {
  let repos: string;
  let dataDir: string;
  const good = ["acl", "attr", "bash", "glibc", "zstd"];

  beforeAll(() => {
    repos = tempDir();
    dataDir = tempDir();
    for (const name of good)
      makeRepo(repos, name, srcinfo({ pkgbase: name, depends: name === "glibc" ? [] : ["glibc"] }));
    makeRepo(repos, "empty", null);
    makeRepo(repos, "broken", "pkgbase = broken\n\tpkgver = 1\n\tpkgrel = 1\n\tdepends glibc\n");
    makeRepo(repos, "elsewhere", srcinfo({ pkgbase: "elsewhere" }), { branch: "other" });
    makeRepo(repos, "renamed", srcinfo({ pkgbase: "other-name" }));
    mkdirSync(join(repos, "not-a-repo"));
    mkdirSync(join(repos, "bad name"));
    writeFileSync(join(repos, "README"), "a plain file is not a pkgbase\n");
  });

  test("loads every good repository and skips each bad one with a sentence", async () => {
    const universe = await loadUniverse(repos);
    expect([...universe.entries.keys()]).toEqual(good);
    expect(universe.entries.get("bash")?.srcinfo.packages[0]?.depends).toEqual(["glibc"]);
    const reasons = Object.fromEntries(universe.skipped.map((s) => [s.pkgbase, s.reason]));
    expect(Object.keys(reasons)).toEqual(["bad name", "broken", "elsewhere", "empty", "not-a-repo", "renamed"]);
    expect(reasons["bad name"]).toBe('"bad name" is not a valid pkgbase');
    expect(reasons.broken).toMatch(/^broken\/\.SRCINFO:4: .+ \(at commit [0-9a-f]{12}\)$/);
    expect(reasons.elsewhere).toContain('ref "main" not found');
    expect(reasons.empty).toContain("has no .SRCINFO at commit");
    expect(reasons["not-a-repo"]).toContain("is not a git repository");
    expect(reasons.renamed).toContain("declares pkgbase other-name");
    expect(universe.stats).toMatchObject({ pkgbases: 5, parsed: 8, cached: 0, reused: 0, skipped: 6 });
  });

  test("a symbolic link to a repository elsewhere is loaded like a directory", async () => {
    const linked = tempDir();
    const outside = tempDir();
    makeRepo(linked, "zstd", srcinfo({ pkgbase: "zstd" }));
    makeRepo(outside, "xz", srcinfo({ pkgbase: "xz" }));
    symlinkSync(join(outside, "xz"), join(linked, "xz"));
    const universe = await loadUniverse(linked);
    expect([...universe.entries.keys()]).toEqual(["xz", "zstd"]);
    expect(universe.skipped).toEqual([]);
  });

  test("another ref loads the repositories that have it", async () => {
    const universe = await loadUniverse(repos, { ref: "other" });
    expect([...universe.entries.keys()]).toEqual(["elsewhere"]);
    expect(universe.entries.get("elsewhere")?.ref).toBe("other");
  });

  test("the cache: a second load parses nothing and gives identical entries; a new commit is picked up", async () => {
    const path = join(dataDir, "srcinfo-cache.sqlite");
    const first = openSrcinfoCache(path);
    const cold = await loadUniverse(repos, { cache: first });
    first.close();
    expect(cold.stats).toMatchObject({ parsed: 8, cached: 0 });

    const cache = openSrcinfoCache(path);
    const warm = await loadUniverse(repos, { cache });
    expect(warm.stats).toMatchObject({ pkgbases: 5, parsed: 0, cached: 8, skipped: 6 });
    expect(warm.entries).toEqual(cold.entries);
    expect(warm.skipped).toEqual(cold.skipped);

    const moved = commit(join(repos, "zstd"), { ".SRCINFO": srcinfo({ pkgbase: "zstd", pkgver: "1.5.7" }) }, "bump");
    const next = await loadUniverse(repos, { cache });
    expect(next.stats).toMatchObject({ parsed: 1, cached: 7 });
    expect(next.entries.get("zstd")?.commit).toBe(moved as never);
    expect(next.entries.get("zstd")?.srcinfo.version.pkgver).toBe("1.5.7");
    cache.close();
  });

  test("a cache written in another format is discarded, not misread", async () => {
    const path = join(dataDir, "old-format.sqlite");
    openSrcinfoCache(path).close();
    const old = new Database(path);
    old.run("INSERT INTO srcinfo (commit_id, result) VALUES ('0000000000000000000000000000000000000000', '{}')");
    old.run(`PRAGMA user_version = ${CACHE_FORMAT + 1}`);
    old.close();
    const cache = openSrcinfoCache(path);
    expect(cache.getMany(["0".repeat(40)]).size).toBe(0);
    cache.close();
  });

  test("readRefs and reloadChanged read only what moved", async () => {
    const cache = openSrcinfoCache(":memory:");
    const before = await loadUniverse(repos, { cache });
    const moved = commit(join(repos, "acl"), { PKGBUILD: "# touched\n" }, "touch");
    const refs = await readRefs(repos, { previous: before });
    expect(refs.commits.get("acl")).toBe(moved as never);
    expect(refs.commits.get("bash")).toBe(before.entries.get("bash")?.commit as never);

    const { universe, changes } = await reloadChanged(before, repos, { cache });
    expect(changes).toEqual({ added: [], removed: [], moved: ["acl"] });
    expect(universe.stats).toMatchObject({ pkgbases: 5, parsed: 1, reused: 4 });
    expect(universe.entries.get("bash")).toBe(before.entries.get("bash")!);
    cache.close();
  });

  test("progress is reported and a load can be aborted", async () => {
    const seen: string[] = [];
    await loadUniverse(repos, { onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`) });
    expect(seen).toContain("refs 11/11");
    expect(seen).toContain("srcinfo 8/8");
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(loadUniverse(repos, { signal: controller.signal })).rejects.toThrow("stop");
  });
});

/** The one pack of a repository and its index. */
function onlyPack(repoDir: string): { pack: string; idx: string } {
  const dir = join(repoDir, ".git", "objects", "pack");
  const packs = readdirSync(dir).filter((n) => n.endsWith(".pack"));
  expect(packs).toHaveLength(1);
  const pack = join(dir, packs[0]!);
  return { pack, idx: pack.replace(/\.pack$/, ".idx") };
}

function catchError(body: () => unknown): Error {
  try {
    body();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}
