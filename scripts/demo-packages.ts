// The demo package set: small real PKGBUILDs (and their .SRCINFO) as git repositories, one per pkgbase.
// Used by `just demo` and by the end-to-end tests; written by the tests' one package-fixture writer. Every package installs one small file, so pacman
// installs of the result are observable.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pkgbuild, type Recipe, srcinfo } from "../test/support/recipes";

export interface DemoPackage {
  pkgbase: string;
  pkgver: string;
  pkgrel?: string;
  arch: "x86_64" | "any";
  depends?: string[];
  makedepends?: string[];
  /** Split packages: names and their own depends; default one package named like the pkgbase. */
  packages?: { pkgname: string; depends?: string[]; arch?: "any" }[];
  /** Shell lines for build(); a failing line makes the build fail. */
  build?: string[];
}

export const DEMO_PACKAGES: DemoPackage[] = [
  { pkgbase: "libdemo", pkgver: "1.0", arch: "x86_64" },
  { pkgbase: "demo-app", pkgver: "2.1", arch: "x86_64", depends: ["libdemo"] },
  { pkgbase: "demo-tool", pkgver: "0.3", arch: "x86_64", depends: ["libdemo>=1.0"], makedepends: ["libdemo"] },
  { pkgbase: "demo-suite", pkgver: "1.2", arch: "x86_64", depends: ["demo-app", "demo-tool"] },
  {
    pkgbase: "demo-split",
    pkgver: "4.0",
    arch: "x86_64",
    depends: ["libdemo"],
    packages: [
      { pkgname: "demo-split", depends: ["libdemo"] },
      { pkgname: "demo-split-docs", depends: [], arch: "any" },
    ],
  },
  { pkgbase: "demo-data", pkgver: "20260101", arch: "any", depends: ["libdemo"] },
];

/** The demo package as a recipe of the one package-fixture writer (test/support/recipes.ts). */
export function recipeOf(p: DemoPackage): Recipe {
  return {
    pkgbase: p.pkgbase,
    pkgver: p.pkgver,
    pkgrel: p.pkgrel,
    pkgdesc: `buildbtw demo package ${p.pkgbase}`,
    url: "https://example.org/buildbtw-demo",
    arch: [p.arch],
    depends: p.depends,
    makedepends: p.makedepends,
    packages: p.packages?.map((x) => ({
      pkgname: x.pkgname,
      depends: x.depends,
      ...(x.arch ? { arch: [x.arch] } : {}),
    })),
    build: p.build ?? [`echo "building ${p.pkgbase} ${p.pkgver}"`],
  };
}

export const pkgbuildOf = (p: DemoPackage): string => pkgbuild(recipeOf(p));
/** The .SRCINFO makepkg --printsrcinfo writes for pkgbuildOf(p). */
export const srcinfoOf = (p: DemoPackage): string => srcinfo(recipeOf(p));

function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(
    [
      "git",
      "-c",
      "user.name=buildbtw demo",
      "-c",
      "user.email=demo@buildbtw.invalid",
      "-c",
      "init.defaultBranch=main",
      ...args,
    ],
    { cwd, stdout: "pipe", stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

/** Write (or update with a new commit) one demo package's repository under `reposDir`; returns the commit. */
export function writeDemoPackage(reposDir: string, p: DemoPackage, message = `${p.pkgbase} ${p.pkgver}`): string {
  const dir = join(reposDir, p.pkgbase);
  mkdirSync(dir, { recursive: true });
  if (
    Bun.spawnSync(["git", "rev-parse", "--git-dir"], { cwd: dir, stdout: "ignore", stderr: "ignore" }).exitCode !== 0 ||
    !Bun.file(join(dir, ".git", "HEAD")).size
  ) {
    git(dir, "init", "--quiet");
  }
  writeFileSync(join(dir, "PKGBUILD"), pkgbuildOf(p));
  writeFileSync(join(dir, ".SRCINFO"), srcinfoOf(p));
  git(dir, "add", "PKGBUILD", ".SRCINFO");
  git(dir, "commit", "--quiet", "--allow-empty", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

export function writeDemoPackages(reposDir: string, packages: DemoPackage[] = DEMO_PACKAGES): void {
  for (const p of packages) writeDemoPackage(reposDir, p);
}
