// The one writer of package fixtures: a recipe becomes a PKGBUILD and the .SRCINFO that `makepkg --printsrcinfo`
// writes for it, byte for byte (test/recipes.test.ts checks that against the real makepkg). Tests that only parse
// or plan use the .SRCINFO alone, with whatever lines they need; tests that build use both. Every package
// installs one file, usr/share/buildbtw-demo/<pkgname>, saying its name and the version it was built as (a
// rebuild's bumped pkgrel shows there too), so what pacman installed is observable.

/** A package section: overrides of the pkgbase's values (present = replaces, even when empty). */
export interface PackageSpec {
  pkgname: string;
  arch?: string[];
  depends?: string[];
  optdepends?: string[];
  provides?: string[];
  conflicts?: string[];
  replaces?: string[];
  /** More .SRCINFO lines for this package, e.g. `["depends_aarch64 = foo"]` (not in the PKGBUILD). */
  lines?: string[];
}

export interface Recipe {
  pkgbase: string;
  /** Default 1.0.0. */
  pkgver?: string;
  pkgrel?: string;
  epoch?: string;
  /** Default `<pkgbase> for tests`. */
  pkgdesc?: string;
  url?: string;
  /** Default x86_64. */
  arch?: string[];
  depends?: string[];
  makedepends?: string[];
  checkdepends?: string[];
  optdepends?: string[];
  provides?: string[];
  /** More .SRCINFO lines for the pkgbase section, e.g. `["depends_x86_64 = libfoo"]` (not in the PKGBUILD). */
  lines?: string[];
  /** Package sections; default one package named like the pkgbase. */
  packages?: (PackageSpec | string)[];
  /** Shell lines of build() (default: one saying what is built and as which user); a failing line fails it. */
  build?: string[];
  /** Shell lines every package function runs after writing its file, e.g. a payload. */
  packageExtra?: string[];
  /** More top-level PKGBUILD lines, e.g. `options=(!debug)`. */
  extra?: string[];
}

/** Where every package installs its file. */
export const INSTALLED_DIR = "usr/share/buildbtw-demo";

/** The recipe's package sections (one named like the pkgbase unless it lists them). */
export const packagesOf = (r: Recipe): PackageSpec[] =>
  (r.packages ?? [r.pkgbase]).map((p) => (typeof p === "string" ? { pkgname: p } : p));
const keyLines = (key: string, values: string[] | undefined): string[] => (values ?? []).map((v) => `\t${key} = ${v}`);
// An override to nothing is `key = ` in makepkg's output; ours has the same trailing space.
const override = (key: string, values: string[] | undefined): string[] =>
  values === undefined ? [] : values.length === 0 ? [`\t${key} = `] : keyLines(key, values);

/** The .SRCINFO of `r`, as makepkg --printsrcinfo writes it for pkgbuild(r) (keys in makepkg's order). */
export function srcinfo(r: Recipe): string {
  const lines = [
    `pkgbase = ${r.pkgbase}`,
    `\tpkgdesc = ${r.pkgdesc ?? `${r.pkgbase} for tests`}`,
    `\tpkgver = ${r.pkgver ?? "1.0.0"}`,
    `\tpkgrel = ${r.pkgrel ?? "1"}`,
    ...(r.epoch === undefined ? [] : [`\tepoch = ${r.epoch}`]),
    ...(r.url === undefined ? [] : [`\turl = ${r.url}`]),
    ...keyLines("arch", r.arch ?? ["x86_64"]),
    "\tlicense = MIT",
    ...keyLines("checkdepends", r.checkdepends),
    ...keyLines("makedepends", r.makedepends),
    ...keyLines("depends", r.depends),
    ...keyLines("optdepends", r.optdepends),
    ...keyLines("provides", r.provides),
    ...(r.lines ?? []).map((l) => `\t${l}`),
  ];
  for (const p of packagesOf(r)) {
    lines.push(
      "",
      `pkgname = ${p.pkgname}`,
      ...override("arch", p.arch),
      ...override("depends", p.depends),
      ...override("optdepends", p.optdepends),
      ...override("provides", p.provides),
      ...override("conflicts", p.conflicts),
      ...override("replaces", p.replaces),
      ...(p.lines ?? []).map((l) => `\t${l}`),
    );
  }
  return `${lines.join("\n")}\n`;
}

const list = (values: string[] | undefined) => `(${(values ?? []).map((v) => `'${v}'`).join(" ")})`;

/** A PKGBUILD makepkg builds, whose `makepkg --printsrcinfo` is srcinfo(r) (`lines` aside). */
export function pkgbuild(r: Recipe): string {
  const packages = packagesOf(r);
  const split = packages.length > 1;
  const lines = [
    `pkgbase=${r.pkgbase}`,
    `pkgname=${list(packages.map((p) => p.pkgname))}`,
    `pkgver=${r.pkgver ?? "1.0.0"}`,
    `pkgrel=${r.pkgrel ?? "1"}`,
    ...(r.epoch === undefined ? [] : [`epoch=${r.epoch}`]),
    `pkgdesc='${r.pkgdesc ?? `${r.pkgbase} for tests`}'`,
    ...(r.url === undefined ? [] : [`url='${r.url}'`]),
    `arch=${list(r.arch ?? ["x86_64"])}`,
    "license=('MIT')",
    `depends=${list(r.depends)}`,
    `makedepends=${list(r.makedepends)}`,
    `checkdepends=${list(r.checkdepends)}`,
    `optdepends=${list(r.optdepends)}`,
    `provides=${list(r.provides)}`,
    ...(r.extra ?? []),
    "",
    "build() {",
    ...(r.build ?? [`echo "building ${r.pkgbase} ${r.pkgver ?? "1.0.0"} as uid $(id -u)"`]).map((l) => `  ${l}`),
    "}",
    "",
  ];
  for (const p of packages) {
    // makepkg calls package_<pkgname>() for split packages; bash allows a pkgname's hyphens in function names.
    lines.push(`package${split ? `_${p.pkgname}` : ""}() {`);
    for (const key of ["arch", "depends", "optdepends", "provides", "conflicts", "replaces"] as const)
      if (p[key] !== undefined) lines.push(`  ${key}=${list(p[key])}`);
    lines.push(
      `  install -d "$pkgdir/${INSTALLED_DIR}"`,
      // The version as built: a rebuild's bumped pkgrel shows in the installed file too.
      `  echo "${p.pkgname} \${epoch:+$epoch:}$pkgver-$pkgrel" > "$pkgdir/${INSTALLED_DIR}/${p.pkgname}"`,
      ...(r.packageExtra ?? []).map((l) => `  ${l}`),
      "}",
      "",
    );
  }
  return lines.join("\n");
}

/** Files for a package repository: PKGBUILD and .SRCINFO. */
export const recipeFiles = (r: Recipe): { PKGBUILD: string; ".SRCINFO": string } => ({
  PKGBUILD: pkgbuild(r),
  ".SRCINFO": srcinfo(r),
});
