// The demo package set: small real PKGBUILDs (and their .SRCINFO) as git repositories, one per pkgbase.
// Used by `just demo` and by the end-to-end tests. Every package installs one small file, so pacman
// installs of the result are observable.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

const q = (values: string[] = []) => `(${values.map((v) => `'${v}'`).join(" ")})`;
// makepkg calls package_<pkgname>() for split packages; bash allows the hyphens of pkgnames in function names.

export function pkgbuildOf(p: DemoPackage): string {
  const pkgs = p.packages ?? [{ pkgname: p.pkgbase, depends: p.depends }];
  const split = pkgs.length > 1;
  const lines = [
    `pkgbase=${p.pkgbase}`,
    `pkgname=${q(pkgs.map((x) => x.pkgname))}`,
    `pkgver=${p.pkgver}`,
    `pkgrel=${p.pkgrel ?? "1"}`,
    `pkgdesc='buildbtw demo package ${p.pkgbase}'`,
    `arch=('${p.arch}')`,
    "url='https://example.org/buildbtw-demo'",
    "license=('MIT')",
    `depends=${q(p.depends)}`,
    `makedepends=${q(p.makedepends)}`,
    "",
    "build() {",
    ...(p.build ?? [`  echo "building ${p.pkgbase} ${p.pkgver}"`]).map((l) => `  ${l.trim()}`),
    "}",
    "",
  ];
  for (const x of pkgs) {
    lines.push(`package${split ? `_${x.pkgname}` : ""}() {`);
    if (split) {
      if (x.depends !== undefined) lines.push(`  depends=${q(x.depends)}`);
      if (x.arch) lines.push(`  arch=('${x.arch}')`);
    }
    lines.push(
      `  install -d "$pkgdir/usr/share/buildbtw-demo"`,
      // The version as built: a rebuild's bumped pkgrel shows in the installed file too.
      `  echo "${x.pkgname} $pkgver-$pkgrel" > "$pkgdir/usr/share/buildbtw-demo/${x.pkgname}"`,
      "}",
      "",
    );
  }
  return lines.join("\n");
}

/** The .SRCINFO makepkg --printsrcinfo writes for pkgbuildOf(p). */
export function srcinfoOf(p: DemoPackage): string {
  const pkgs = p.packages ?? [{ pkgname: p.pkgbase }];
  const lines = [
    `pkgbase = ${p.pkgbase}`,
    `\tpkgdesc = buildbtw demo package ${p.pkgbase}`,
    `\tpkgver = ${p.pkgver}`,
    `\tpkgrel = ${p.pkgrel ?? "1"}`,
    "\turl = https://example.org/buildbtw-demo",
    `\tarch = ${p.arch}`,
    "\tlicense = MIT",
    ...(p.makedepends ?? []).map((d) => `\tmakedepends = ${d}`),
    ...(p.depends ?? []).map((d) => `\tdepends = ${d}`),
  ];
  for (const x of pkgs) {
    lines.push("", `pkgname = ${x.pkgname}`);
    if (p.packages) {
      if (x.arch) lines.push(`\tarch = ${x.arch}`);
      // A package function that sets depends overrides the base's in .SRCINFO, even to the same value.
      if (x.depends !== undefined) {
        if (x.depends.length === 0) lines.push("\tdepends = ");
        else for (const d of x.depends) lines.push(`\tdepends = ${d}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

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
