// `buildbtw repos sync` as a real process against the GitLab double: every project of the group cloned
// under its pkgbase (also `+` and reserved names), updated on the next run, resumable after a failure
// or an interrupted clone, and clear about bad settings.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GitlabDouble } from "./gitlab-double";
import { addPackages, packageFiles } from "./gitlab-double/packages";
import { runCli } from "./support/cli";
import { git, makeTempDir, removeDir } from "./support/git";

interface SyncJson {
  group: string;
  projects: number;
  cloned: string[];
  fetched: string[];
  unchanged: number;
  failed: { pkgbase: string; reason: string }[];
  skipped: { project: string; reason: string }[];
}

let gl: GitlabDouble;
let dir: string;

beforeAll(async () => {
  gl = await GitlabDouble.start();
  addPackages(gl, [
    { pkgbase: "zlib" },
    { pkgbase: "libpng", depends: ["zlib"] },
    { pkgbase: "libc++", path: "libcplusplus" },
    { pkgbase: "dvd+rw-tools", path: "dvd-rw-tools" },
    { pkgbase: "tree", path: "unix-tree" },
  ]);
  // Not package repositories we can map both ways: skipped with a reason, never cloned.
  gl.addProject({ name: "Packaging Docs", path: "docs" });
  gl.addProject({ name: "foo+bar", path: "foobar" });
  gl.addProject({ name: "retired", archived: true, files: packageFiles({ pkgbase: "retired" }) });
  dir = makeTempDir("buildbtw-repos-sync-");
});

afterAll(async () => {
  await gl.close();
  removeDir(dir);
});

const env = (reposDir: string, extra: Record<string, string> = {}) => ({
  GITLAB_DOMAIN: gl.url,
  GITLAB_PACKAGES_GROUP: gl.group,
  GITLAB_TOKEN: gl.apiToken,
  REPOS_DIR: reposDir,
  DATA_DIR: join(dir, "data"),
  ...extra,
});

async function sync(reposDir: string, args: string[] = [], extra: Record<string, string> = {}) {
  const r = await runCli(["repos", "sync", "--json", ...args], { env: env(reposDir, extra) });
  return { ...r, json: r.stdout ? (JSON.parse(r.stdout) as SyncJson) : null };
}

const head = (reposDir: string, pkgbase: string) =>
  git(join(reposDir, pkgbase), "rev-parse", "--verify", "refs/remotes/origin/main");

const PACKAGES = ["dvd+rw-tools", "libc++", "libpng", "tree", "zlib"];

describe("repos sync", () => {
  test("clones every package project under its pkgbase and reports what it skipped", async () => {
    const reposDir = join(dir, "repos");
    const r = await sync(reposDir);
    expect(r.code).toBe(0);
    expect(r.json!.cloned.sort()).toEqual(PACKAGES);
    expect(r.json!.skipped.map((s) => s.project).sort()).toEqual([`${gl.group}/docs`, `${gl.group}/foobar`]);
    expect(r.json!.skipped.find((s) => s.project.endsWith("foobar"))!.reason).toContain('"foo-bar"');
    for (const pkgbase of PACKAGES) {
      expect(head(reposDir, pkgbase)).toBe(gl.head(pkgbase));
      // A clone a packager can use: the default branch checked out, PKGBUILD in the work tree.
      expect(existsSync(join(reposDir, pkgbase, "PKGBUILD"))).toBe(true);
      // The token never lands in the repository's configuration.
      expect(readFileSync(join(reposDir, pkgbase, ".git", "config"), "utf8")).not.toContain(gl.apiToken);
    }
    expect(existsSync(join(reposDir, "retired"))).toBe(false);
    const state = JSON.parse(readFileSync(join(reposDir, ".buildbtw-sync.json"), "utf8"));
    expect(state.group).toBe(gl.group);
  });

  test("the next run fetches only projects active since the last sync (less the margin) and takes new commits", async () => {
    const reposDir = join(dir, "repos");
    // Quiet for two hours: outside the last sync's window even with the hour-long margin.
    for (const name of ["libc++", "dvd+rw-tools", "tree"]) {
      gl.project(name).lastActivityAt = new Date(Date.now() - 2 * 60 * 60_000).toISOString();
    }
    const pushed = await gl.push("zlib", packageFiles({ pkgbase: "zlib", pkgrel: "2" }), "upgpkg");
    const r = await sync(reposDir);
    expect(r.code).toBe(0);
    expect(r.json!.cloned).toEqual([]);
    expect(r.json!.fetched.sort()).toEqual(["libpng", "zlib"]);
    expect(r.json!.unchanged).toBe(3);
    expect(head(reposDir, "zlib")).toBe(pushed);
    const all = await sync(reposDir, ["--all"]);
    expect(all.json!.fetched.sort()).toEqual(PACKAGES);
  });

  test("is resumable: what failed or was interrupted is remembered, and the rerun does only that", async () => {
    const reposDir = join(dir, "resume");
    // One clone fails (GitLab errors on its git requests); another was interrupted right after `git init`.
    gl.failNext({ count: 1, status: 500, match: /\/libpng\.git\// });
    mkdirSync(join(reposDir, "tree"), { recursive: true });
    git(join(reposDir, "tree"), "init", "--quiet");
    git(join(reposDir, "tree"), "remote", "add", "origin", `${gl.url}/${gl.group}/unix-tree.git`);

    const first = await sync(reposDir);
    expect(first.code).toBe(1);
    expect(first.json!.failed.map((f) => f.pkgbase)).toEqual(["libpng"]);
    expect(first.json!.failed[0]!.reason).toContain("git fetch failed");
    // The interrupted clone counts as a clone: it had nothing fetched yet.
    expect(first.json!.cloned.sort()).toEqual(["dvd+rw-tools", "libc++", "tree", "zlib"]);
    expect(existsSync(join(reposDir, "tree", "PKGBUILD"))).toBe(true);
    expect(head(reposDir, "tree")).toBe(gl.head("tree"));
    const state = JSON.parse(readFileSync(join(reposDir, ".buildbtw-sync.json"), "utf8"));
    expect(state.retry).toEqual([{ pkgbase: "libpng", fullPath: `${gl.group}/libpng` }]);

    // Quiet projects are left alone next time; the failed one is done whatever its activity.
    for (const p of PACKAGES) gl.project(p).lastActivityAt = new Date(Date.now() - 2 * 60 * 60_000).toISOString();
    const second = await sync(reposDir);
    expect(second.code).toBe(0);
    // Its first attempt stopped after `git init`: finishing it is a clone.
    expect(second.json!.cloned).toEqual(["libpng"]);
    expect(second.json!.fetched).toEqual([]);
    expect(second.json!.unchanged).toBe(4);
    expect(head(reposDir, "libpng")).toBe(gl.head("libpng"));
    expect(JSON.parse(readFileSync(join(reposDir, ".buildbtw-sync.json"), "utf8")).retry).toEqual([]);
  });

  test("human output is a summary; bad settings and an unknown group are one clear sentence", async () => {
    const reposDir = join(dir, "human");
    const human = await runCli(["repos", "sync"], { env: env(reposDir) });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`7 projects in ${gl.group}: 5 cloned, 0 fetched`);
    expect(human.stdout).toContain("skipped");

    const badConcurrency = await runCli(["repos", "sync", "--concurrency", "0"], { env: env(reposDir) });
    expect(badConcurrency.code).toBe(1);
    expect(badConcurrency.stderr).toContain(
      "BUILDBTW_FETCH_CONCURRENCY (--concurrency) must be a whole number from 1 to 64",
    );
    const badDomain = await runCli(["repos", "sync"], { env: env(reposDir, { GITLAB_DOMAIN: "ftp://example" }) });
    expect(badDomain.code).toBe(1);
    expect(badDomain.stderr).toContain("GITLAB_DOMAIN must be a host name or an http(s) URL");
    const noGroup = await runCli(["repos", "sync"], { env: env(reposDir, { GITLAB_PACKAGES_GROUP: "no/such" }) });
    expect(noGroup.code).toBe(1);
    expect(noGroup.stderr).toContain("404 Group Not Found");
    expect(noGroup.stderr.split("\n").filter(Boolean)).toHaveLength(2);
  });
});
