// scripts/gen-universe.ts writes git objects itself: real git must accept every repository it makes,
// the same seed must give the same commits, and the sources reader must load all of it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { GitRepository, loadUniverse, readRefs } from "../src/sources";
import { git, makeTempDir, removeDir } from "./support/git";

const root = makeTempDir("buildbtw-gen-universe-");
afterAll(() => removeDir(root));

function generate(out: string, ...args: string[]): string {
  const run = Bun.spawnSync({
    cmd: ["bun", join(import.meta.dir, "..", "scripts", "gen-universe.ts"), "--out", out, ...args],
    stdout: "pipe",
    stderr: "pipe",
  });
  if (run.exitCode !== 0) throw new Error(`gen-universe failed: ${run.stderr.toString()}`);
  return run.stdout.toString();
}

describe("a small generated universe", () => {
  const out = join(root, "seed7");
  let report: string;

  beforeAll(() => {
    report = generate(out, "--pkgbases", "50", "--seed", "7");
  });

  test("reports its size and the root with the most dependents", () => {
    expect(report).toContain("generated 50 pkgbases");
    expect(report).toMatch(/root with the most transitive runtime dependents on x86_64: glibc \(49\)/);
  });

  test("every repository passes git fsck --strict, has one commit on main, and a clean work tree", () => {
    const names = readdirSync(out);
    expect(names).toHaveLength(50);
    for (const name of names) {
      const repo = join(out, name);
      git(repo, "fsck", "--strict", "--no-dangling");
      expect(git(repo, "log", "--format=%s", "main")).toMatch(/^upgpkg: \S+$/);
      expect(git(repo, "ls-tree", "--name-only", "main").split("\n")).toEqual([".SRCINFO", "PKGBUILD"]);
      expect(git(repo, "status", "--porcelain")).toBe("");
    }
  });

  test("the reader loads every pkgbase at the commits git reports", async () => {
    const universe = await loadUniverse(out);
    expect(universe.skipped).toEqual([]);
    expect(universe.entries.size).toBe(50);
    for (const [pkgbase, entry] of universe.entries) {
      expect(entry.commit).toBe(git(join(out, pkgbase), "rev-parse", "main") as never);
    }
    const split = [...universe.entries.values()].filter((e) => e.srcinfo.packages.length > 1);
    expect(split.length).toBeGreaterThan(5);
    expect(universe.entries.get("python-pytest")?.srcinfo.packages[0]?.arch).toEqual(["any"]);
    expect(universe.entries.get("zlib")?.srcinfo.packages[0]?.provides).toEqual(["libz.so=1-64"]);
  });

  test("the same seed gives the same commits; another seed another universe", async () => {
    const again = join(root, "seed7-again");
    generate(again, "--pkgbases", "50", "--seed", "7");
    expect((await readRefs(again)).commits).toEqual((await readRefs(out)).commits);
    const other = join(root, "seed8");
    generate(other, "--pkgbases", "50", "--seed", "8");
    expect((await readRefs(other)).commits).not.toEqual((await readRefs(out)).commits);
  });

  test("--bare writes bare repositories that git and the reader accept", () => {
    const bare = join(root, "bare");
    generate(bare, "--pkgbases", "45", "--bare");
    git(join(bare, "zlib"), "fsck", "--strict");
    expect(git(join(bare, "zlib"), "rev-parse", "--is-bare-repository")).toBe("true");
    const repo = GitRepository.open(join(bare, "zlib"));
    expect(repo.resolveCommit("main")).toBe(git(join(bare, "zlib"), "rev-parse", "main") as never);
    repo.close();
  });

  test("refuses a non-empty output directory", () => {
    expect(() => generate(out, "--pkgbases", "50")).toThrow("is not empty");
  });
});
