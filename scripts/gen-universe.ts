// A deterministic synthetic Arch-sized universe of package source repositories, as real git repositories:
//
//   bun scripts/gen-universe.ts --out DIR [--seed N] [--pkgbases 15000] [--bare]
//
// Each pkgbase gets `<DIR>/<pkgbase>` with PKGBUILD and .SRCINFO committed on branch main (a work tree with
// a checked-out index, or a bare repository with --bare). Spawning git for 15,000 repositories would take
// far longer than the two minutes this may take, so the objects (zlib-deflated blob, tree, commit), the
// refs and the index are written here directly; the tests prove them real with `git fsck` and `git log`.
//
// The shape follows Arch: a foundation (glibc, gcc, zlib, python, …) that almost everything reaches,
// heavy-tailed reverse dependencies (most packages have no dependents, a few have thousands), split
// packages (~2 pkgnames per pkgbase), sonames in provides and depends (`libz.so=1-64`), virtual provides
// with several providers (cron, java-runtime), makedepends and checkdepends, `any` packages, some
// multi-arch pkgbases with `depends_<arch>`, names that resolve to nothing, and a few dependency cycles
// of each kind (runtime, makedepends, checkdepends).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deflateSync } from "node:zlib";
import { createPlanner } from "../src/core/graph";
import { parseSrcinfo } from "../src/core/srcinfo";
import type { CommitId, Pkgbase as PkgbaseName, SourceEntry } from "../src/core/types";

// ---------------------------------------------------------------------------------------------- model

interface Package {
  pkgname: string;
  /** Overrides; undefined inherits the pkgbase's value. */
  arch?: string[];
  depends?: string[];
  provides: string[];
  optdepends: string[];
}

interface Pkgbase {
  pkgbase: string;
  pkgver: string;
  pkgrel: string;
  epoch?: string;
  arch: string[];
  depends: string[];
  /** `depends_<arch>` of the pkgbase section. */
  archDepends: Record<string, string[]>;
  makedepends: string[];
  checkdepends: string[];
  packages: Package[];
}

/** How other pkgbases name a pkgbase in their depends: its pkgnames and, for libraries, a soname. */
interface Target {
  index: number;
  names: string[];
  soname?: string;
  version: string;
}

// ---------------------------------------------------------------------------------------- randomness

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function makeRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number): number => Math.floor(next() * n),
    chance: (p: number): boolean => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    /** 0, 1, 2, … with P(k) = (1-p)^k p: most draws small, a long tail. */
    geometric: (p: number, max: number): number => {
      let k = 0;
      while (k < max && next() > p) k++;
      return k;
    },
    /** An index in [0, n) biased hard towards 0: the early (foundational) pool members get most picks. */
    skewed: (n: number, exponent: number): number => Math.min(n - 1, Math.floor(n * next() ** exponent)),
  };
}
type Random = ReturnType<typeof makeRandom>;

// -------------------------------------------------------------------------------------- the foundation

interface Seed {
  name: string;
  split?: string[];
  provides?: Record<string, string[]>;
  depends?: string[];
  makedepends?: string[];
  checkdepends?: string[];
  arch?: string[];
}

const MULTI = ["x86_64", "aarch64"];
// Real names, so plans over the synthetic universe read like Arch's. Order matters: later ones may be
// depended on less. Three deliberate cycles: freetype2 ↔ harfbuzz (runtime), python-build ↔
// python-installer (makedepends), python-pytest ↔ python-hypothesis (checkdepends against depends).
const FOUNDATION: Seed[] = [
  { name: "glibc", split: ["glibc", "glibc-locales"], arch: MULTI },
  {
    name: "gcc",
    split: ["gcc", "gcc-libs", "gcc-fortran"],
    provides: { "gcc-libs": ["libgcc_s.so=1-64", "libstdc++.so=6-64"] },
    depends: ["glibc"],
    arch: MULTI,
  },
  { name: "zlib", split: ["zlib", "minizip"], provides: { zlib: ["libz.so=1-64"] }, depends: ["glibc"], arch: MULTI },
  { name: "bzip2", provides: { bzip2: ["libbz2.so=1.0-64"] }, depends: ["glibc"] },
  { name: "xz", provides: { xz: ["liblzma.so=5-64"] }, depends: ["glibc"] },
  { name: "zstd", provides: { zstd: ["libzstd.so=1-64"] }, depends: ["glibc", "zlib", "xz"] },
  { name: "ncurses", provides: { ncurses: ["libncursesw.so=6-64"] }, depends: ["glibc", "gcc-libs"] },
  { name: "readline", provides: { readline: ["libreadline.so=8-64"] }, depends: ["glibc", "ncurses"] },
  { name: "bash", provides: { bash: ["sh"] }, depends: ["readline", "libreadline.so=8-64", "glibc", "ncurses"] },
  { name: "openssl", provides: { openssl: ["libssl.so=3-64", "libcrypto.so=3-64"] }, depends: ["glibc"] },
  { name: "libffi", provides: { libffi: ["libffi.so=8-64"] }, depends: ["glibc"] },
  { name: "expat", provides: { expat: ["libexpat.so=1-64"] }, depends: ["glibc"] },
  {
    name: "python",
    provides: { python: ["python3", "libpython3.13.so=1.0-64"] },
    depends: ["bzip2", "expat", "libffi", "libffi.so=8-64", "openssl", "zlib", "xz"],
  },
  { name: "perl", depends: ["glibc", "bash"] },
  {
    name: "curl",
    split: ["curl", "libcurl-compat"],
    provides: { curl: ["libcurl.so=4-64"] },
    depends: ["openssl", "zlib", "zstd", "glibc"],
  },
  {
    name: "systemd",
    split: ["systemd", "systemd-libs", "systemd-sysvcompat"],
    provides: { "systemd-libs": ["libsystemd.so=0-64", "libudev.so=1-64"] },
    depends: ["glibc", "gcc-libs", "xz", "zstd"],
    makedepends: ["meson", "python"],
  },
  { name: "dbus", provides: { dbus: ["libdbus-1.so=3-64"] }, depends: ["systemd-libs", "expat"] },
  {
    name: "glib2",
    split: ["glib2", "glib2-docs"],
    provides: { glib2: ["libglib-2.0.so=0-64", "libgobject-2.0.so=0-64", "libgio-2.0.so=0-64"] },
    depends: ["libffi", "zlib", "glibc"],
    makedepends: ["meson", "python"],
  },
  { name: "libpng", provides: { libpng: ["libpng16.so=16-64"] }, depends: ["zlib"] },
  {
    name: "freetype2",
    provides: { freetype2: ["libfreetype.so=6-64"] },
    depends: ["bzip2", "libpng", "zlib", "harfbuzz"],
  },
  {
    name: "harfbuzz",
    split: ["harfbuzz", "harfbuzz-utils"],
    provides: { harfbuzz: ["libharfbuzz.so=0-64"] },
    depends: ["freetype2", "glib2"],
  },
  { name: "fontconfig", provides: { fontconfig: ["libfontconfig.so=1-64"] }, depends: ["freetype2", "expat"] },
  { name: "libx11", provides: { libx11: ["libX11.so=6-64"] }, depends: ["glibc"] },
  {
    name: "mesa",
    split: ["mesa", "vulkan-radeon", "vulkan-intel"],
    provides: { mesa: ["opengl-driver", "libGL.so=1-64"] },
    depends: ["libx11", "zstd", "expat", "gcc-libs"],
    arch: MULTI,
  },
  { name: "nvidia-utils", provides: { "nvidia-utils": ["opengl-driver"] }, depends: ["libx11"] },
  { name: "gtk3", provides: { gtk3: ["libgtk-3.so=0-64"] }, depends: ["glib2", "harfbuzz", "fontconfig", "libx11"] },
  {
    name: "qt6-base",
    provides: { "qt6-base": ["libQt6Core.so=6-64"] },
    depends: ["glib2", "openssl", "libx11", "opengl-driver", "dbus"],
  },
  { name: "cmake", depends: ["curl", "expat", "zlib"] },
  { name: "meson", arch: ["any"], depends: ["python", "ninja"] },
  { name: "ninja", depends: ["gcc-libs"] },
  { name: "python-setuptools", arch: ["any"], depends: ["python"] },
  { name: "python-build", arch: ["any"], depends: ["python"], makedepends: ["python-installer"] },
  { name: "python-installer", arch: ["any"], depends: ["python"], makedepends: ["python-build"] },
  { name: "python-pytest", arch: ["any"], depends: ["python"], checkdepends: ["python-hypothesis"] },
  { name: "python-hypothesis", arch: ["any"], depends: ["python", "python-pytest"] },
  { name: "rust", depends: ["gcc-libs", "curl"], makedepends: ["cmake", "ninja", "python"] },
  { name: "go", depends: ["glibc"] },
  { name: "jdk-openjdk", provides: { "jdk-openjdk": ["java-runtime=21", "java-environment=21"] }, depends: ["zlib"] },
  {
    name: "jdk17-openjdk",
    provides: { "jdk17-openjdk": ["java-runtime=17", "java-environment=17"] },
    depends: ["zlib"],
  },
  { name: "cronie", provides: { cronie: ["cron"] }, depends: ["bash"] },
  { name: "fcron", provides: { fcron: ["cron"] }, depends: ["bash"] },
  { name: "perl-error", arch: ["any"], depends: ["perl"] },
  { name: "git", depends: ["curl", "openssl", "perl", "perl-error", "zlib", "pcre2"] },
  { name: "pcre2", provides: { pcre2: ["libpcre2-8.so=0-64"] }, depends: ["bzip2", "readline", "zlib"] },
];
const TOOLS = ["cmake", "meson", "ninja", "python-build", "python-installer", "python-setuptools", "rust", "go", "git"];
const VIRTUAL = ["sh", "cron", "java-runtime", "opengl-driver", "java-environment"];

// -------------------------------------------------------------------------------------------- names

const ONSETS = [
  "b",
  "br",
  "c",
  "ch",
  "d",
  "f",
  "g",
  "gl",
  "h",
  "j",
  "k",
  "kr",
  "l",
  "m",
  "n",
  "p",
  "pl",
  "qu",
  "r",
  "s",
];
const ONSETS2 = ["sk", "st", "t", "tr", "v", "w", "x", "z", "zh", "sn"];
const NUCLEI = ["a", "e", "i", "o", "u", "ai", "ou", "y"];
const CODAS = ["", "", "", "n", "r", "x", "m", "s", "k", "l"];
const SPLIT_SUFFIXES = ["docs", "tools", "utils", "qt", "gtk", "cli", "data", "plugins", "bindings", "extra", "server"];

function wordMaker(random: Random) {
  const onsets = [...ONSETS, ...ONSETS2];
  return (): string => {
    const syllables = 2 + random.int(2);
    let word = "";
    for (let s = 0; s < syllables; s++) word += random.pick(onsets) + random.pick(NUCLEI) + random.pick(CODAS);
    return word;
  };
}

// ------------------------------------------------------------------------------------------ planning

type Kind = "lib" | "python" | "perl" | "haskell" | "font" | "app";

const version = (random: Random): string => `${1 + random.int(20)}.${random.int(30)}.${random.int(10)}`;

/** The whole universe as data: pkgbases in foundation-first order. */
function planUniverse(count: number, random: Random): Pkgbase[] {
  const word = wordMaker(random);
  const taken = new Set<string>();
  const unique = (wanted: string): string => {
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted}${n}`;
    taken.add(name);
    return name;
  };
  const bases: Pkgbase[] = [];
  const targets: Target[] = [];
  /** Every pkgbase other pkgbases may depend on, in creation order (earlier = picked more). */
  const pool: Target[] = [];
  const pythonPool: Target[] = [];
  const byName = new Map<string, Target>();

  for (const seed of FOUNDATION) {
    const names = seed.split ?? [seed.name];
    for (const n of names) taken.add(n);
    const base: Pkgbase = {
      pkgbase: seed.name,
      pkgver: version(random),
      pkgrel: "1",
      arch: seed.arch ?? ["x86_64"],
      depends: names.length === 1 ? [...(seed.depends ?? [])] : [],
      archDepends: {},
      makedepends: [...(seed.makedepends ?? [])],
      checkdepends: [...(seed.checkdepends ?? [])],
      packages: names.map((pkgname, i) => ({
        pkgname,
        ...(names.length > 1 ? { depends: i === 0 ? [...(seed.depends ?? [])] : [seed.name] } : {}),
        ...(names.length > 1 && pkgname.endsWith("-docs") ? { arch: ["any"], depends: [] } : {}),
        provides: seed.provides?.[pkgname] ?? [],
        optdepends: [],
      })),
    };
    if (names.length > 1 && seed.name === "gcc") base.packages[1]!.depends = ["glibc"];
    const soname = Object.values(seed.provides ?? {})
      .flat()
      .find((p) => p.includes(".so="));
    const target: Target = { index: bases.length, names, soname, version: base.pkgver };
    bases.push(base);
    targets.push(target);
    pool.push(target);
    if (seed.name.startsWith("python")) pythonPool.push(target);
    for (const n of names) byName.set(n, target);
  }

  const dependencyOn = (t: Target): string => {
    const r = random.next();
    if (t.soname !== undefined && r < 0.45) return t.soname;
    if (t.names.length > 1 && r < 0.6) return random.pick(t.names.filter((n) => !n.endsWith("-docs")));
    if (r < 0.75) return `${t.names[0]}>=${t.version}`;
    return t.names[0]!;
  };
  const pickFrom = (from: Target[], exponent: number): Target => from[random.skewed(from.length, exponent)]!;

  for (let index = bases.length; index < count; index++) {
    const roll = random.next();
    const kind: Kind =
      roll < 0.3
        ? "lib"
        : roll < 0.42
          ? "python"
          : roll < 0.46
            ? "perl"
            : roll < 0.5
              ? "haskell"
              : roll < 0.52
                ? "font"
                : "app";
    const stem = word();
    const pkgbase = unique(
      kind === "lib"
        ? `lib${stem}`
        : kind === "python"
          ? `python-${stem}`
          : kind === "perl"
            ? `perl-${stem}`
            : kind === "haskell"
              ? `haskell-${stem}`
              : kind === "font"
                ? `ttf-${stem}`
                : stem,
    );
    const any = kind === "python" || kind === "perl" || kind === "font" || (kind === "app" && random.chance(0.05));
    const arch = any
      ? ["any"]
      : random.chance(0.1)
        ? [...MULTI]
        : random.chance(0.02)
          ? ["x86_64", "x86_64_v3"]
          : ["x86_64"];

    // Split packages: mostly one, a long tail up to a few dozen (mean about two).
    const splitRoll = random.next();
    const extra =
      kind === "font" || kind === "perl"
        ? 0
        : splitRoll < 0.6
          ? 0
          : splitRoll < 0.8
            ? 1
            : splitRoll < 0.9
              ? 2
              : splitRoll < 0.96
                ? 3 + random.int(2)
                : splitRoll < 0.99
                  ? 5 + random.int(5)
                  : 10 + random.int(30);
    const names = [pkgbase];
    for (let s = 0; s < extra; s++) {
      names.push(unique(s < SPLIT_SUFFIXES.length ? `${pkgbase}-${SPLIT_SUFFIXES[s]}` : `${pkgbase}-part${s}`));
    }

    // Runtime dependencies, mostly on early pool members: the heavy tail of reverse dependencies.
    const depends = new Set<string>();
    if (kind === "python") depends.add("python");
    if (kind === "perl") depends.add("perl");
    if (kind === "font") depends.add(random.chance(0.5) ? "fontconfig" : "freetype2");
    const wanted =
      kind === "font" ? 0 : kind === "app" ? 1 + random.geometric(0.22, 30) : 1 + random.geometric(0.35, 12);
    for (let d = 0; d < wanted; d++) {
      const from = kind === "python" && pythonPool.length > 0 && random.chance(0.7) ? pythonPool : pool;
      depends.add(dependencyOn(pickFrom(from, kind === "app" ? 2.2 : 2.6)));
    }
    if (random.chance(0.02)) depends.add(random.pick(VIRTUAL));
    if (random.chance(0.003)) depends.add(`${word()}-nowhere`); // resolves to nothing
    if (!any && random.chance(0.6)) depends.add("glibc");

    const makedepends = new Set<string>();
    if (kind === "python")
      for (const t of ["python-build", "python-installer", "python-setuptools"]) makedepends.add(t);
    const tools = kind === "font" ? 0 : random.geometric(0.45, 4);
    for (let m = 0; m < tools; m++) makedepends.add(random.pick(TOOLS));
    if (random.chance(0.15)) makedepends.add(dependencyOn(pickFrom(pool, 1.8)));

    const checkdepends = new Set<string>();
    if (kind === "python" && random.chance(0.5)) checkdepends.add("python-pytest");
    if (random.chance(0.05)) checkdepends.add(pickFrom(pool, 1.5).names[0]!);

    const archDepends: Record<string, string[]> = {};
    if (arch.includes("aarch64") && random.chance(0.5)) archDepends.aarch64 = [dependencyOn(pickFrom(pool, 2.6))];
    if (arch.length > 1 && random.chance(0.3)) archDepends.x86_64 = [dependencyOn(pickFrom(pool, 2.6))];

    const soname = kind === "lib" && random.chance(0.7) ? `${pkgbase}.so=${1 + random.int(12)}-64` : undefined;
    const version_ = version(random);
    const packages: Package[] = names.map((pkgname, i) => {
      const pkg: Package = { pkgname, provides: [], optdepends: [] };
      if (i === 0 && soname !== undefined) pkg.provides.push(soname);
      if (i === 0 && random.chance(0.03)) pkg.provides.push(`${stem}-compat=${version_}`);
      if (names.length > 1 && i > 0) {
        if (pkgname.endsWith("-docs") || (pkgname.endsWith("-data") && random.chance(0.5))) {
          pkg.arch = ["any"];
          pkg.depends = [];
        } else {
          pkg.depends = [pkgbase, ...(random.chance(0.3) ? [dependencyOn(pickFrom(pool, 2.6))] : [])];
        }
      }
      if (random.chance(0.1)) pkg.optdepends.push(`${random.pick(pool).names[0]}: optional support`);
      return pkg;
    });

    bases.push({
      pkgbase,
      pkgver: version_,
      pkgrel: String(1 + random.geometric(0.6, 8)),
      ...(random.chance(0.04) ? { epoch: String(1 + random.int(3)) } : {}),
      arch,
      depends: [...depends],
      archDepends,
      makedepends: [...makedepends],
      checkdepends: [...checkdepends],
      packages,
    });
    const target: Target = { index, names, soname, version: version_ };
    targets.push(target);
    for (const n of names) byName.set(n, target);
    // Libraries and language modules are depended on; applications rarely are.
    if (kind !== "app" && kind !== "font") pool.push(target);
    else if (random.chance(0.03)) pool.push(target);
    if (kind === "python") pythonPool.push(target);
  }

  addCycles(bases, byName, random);
  return bases;
}

/** A few generated two-cycles of each kind on top of the foundation's three, about one per 3,000 pkgbases. */
function addCycles(bases: Pkgbase[], byName: Map<string, Target>, random: Random): void {
  const generated = bases.slice(FOUNDATION.length).filter((b) => b.packages.length === 1 && b.depends.length > 0);
  const perKind = Math.max(1, Math.round(bases.length / 3000));
  for (const kind of ["depends", "makedepends", "checkdepends"] as const) {
    for (let n = 0; n < perKind && generated.length > 0; n++) {
      const dependent = random.pick(generated);
      // The dependent's dependency, when generated, depends back on it: b depends a, a <kind> b.
      const dependency = dependent.depends
        .map((d) => byName.get(d.replace(/[<>=].*$/, "")))
        .find((t) => t !== undefined && t.index >= FOUNDATION.length);
      if (dependency === undefined) continue;
      // Pkgbase-level lists: the main package inherits them (only extra split packages override depends).
      bases[dependency.index]![kind].push(dependent.pkgbase);
    }
  }
}

// ------------------------------------------------------------------------------------------ rendering

const keyLines = (key: string, values: readonly string[]): string[] => values.map((v) => `\t${key} = ${v}`);

function renderSrcinfo(b: Pkgbase): string {
  const lines = [
    `pkgbase = ${b.pkgbase}`,
    `\tpkgdesc = Synthetic package ${b.pkgbase}`,
    `\tpkgver = ${b.pkgver}`,
    `\tpkgrel = ${b.pkgrel}`,
    ...(b.epoch === undefined ? [] : [`\tepoch = ${b.epoch}`]),
    ...keyLines("arch", b.arch),
    "\tlicense = MIT",
    ...keyLines("checkdepends", b.checkdepends),
    ...keyLines("makedepends", b.makedepends),
    ...keyLines("depends", b.depends),
    ...Object.entries(b.archDepends).flatMap(([a, values]) => keyLines(`depends_${a}`, values)),
    `\tsource = ${b.pkgbase}-${b.pkgver}.tar.gz`,
    "\tsha256sums = SKIP",
  ];
  for (const p of b.packages) {
    lines.push("", `pkgname = ${p.pkgname}`);
    if (p.arch !== undefined) lines.push(...keyLines("arch", p.arch));
    if (p.depends !== undefined)
      lines.push(...(p.depends.length === 0 ? ["\tdepends ="] : keyLines("depends", p.depends)));
    lines.push(...keyLines("optdepends", p.optdepends));
    lines.push(...keyLines("provides", p.provides));
  }
  return `${lines.join("\n")}\n`;
}

const bashArray = (values: readonly string[]): string => `(${values.map((v) => `'${v}'`).join(" ")})`;

function renderPkgbuild(b: Pkgbase): string {
  const lines = [
    "# Synthetic package generated by scripts/gen-universe.ts",
    `pkgbase=${b.pkgbase}`,
    `pkgname=${bashArray(b.packages.map((p) => p.pkgname))}`,
    `pkgver=${b.pkgver}`,
    `pkgrel=${b.pkgrel}`,
    ...(b.epoch === undefined ? [] : [`epoch=${b.epoch}`]),
    `pkgdesc='Synthetic package ${b.pkgbase}'`,
    `arch=${bashArray(b.arch)}`,
    "license=('MIT')",
    `depends=${bashArray(b.depends)}`,
    ...Object.entries(b.archDepends).map(([a, values]) => `depends_${a}=${bashArray(values)}`),
    `makedepends=${bashArray(b.makedepends)}`,
    `checkdepends=${bashArray(b.checkdepends)}`,
    `source=("${b.pkgbase}-${b.pkgver}.tar.gz")`,
    "sha256sums=('SKIP')",
  ];
  for (const p of b.packages) {
    lines.push("", `package_${p.pkgname.replace(/[^A-Za-z0-9_]/g, "_")}() {`);
    if (p.arch !== undefined) lines.push(`  arch=${bashArray(p.arch)}`);
    if (p.depends !== undefined) lines.push(`  depends=${bashArray(p.depends)}`);
    if (p.optdepends.length > 0) lines.push(`  optdepends=${bashArray(p.optdepends)}`);
    if (p.provides.length > 0) lines.push(`  provides=${bashArray(p.provides)}`);
    lines.push('  install -Dm644 /dev/null "$pkgdir/usr/share/doc/$pkgname/README"', "}");
  }
  return `${lines.join("\n")}\n`;
}

// ------------------------------------------------------------------------------------- git objects

const encoder = new TextEncoder();
const sha1 = (data: Uint8Array): Uint8Array => new Bun.SHA1().update(data).digest() as Uint8Array;
const hex = (id: Uint8Array): string => Buffer.from(id).toString("hex");

/** Writes one loose object (`<type> <size>\0<content>`, zlib-deflated) and returns its binary id. */
function writeObject(objectsDir: string, type: "blob" | "tree" | "commit", content: Uint8Array): Uint8Array {
  const header = encoder.encode(`${type} ${content.length}\0`);
  const raw = new Uint8Array(header.length + content.length);
  raw.set(header);
  raw.set(content, header.length);
  const id = sha1(raw);
  const name = hex(id);
  const dir = join(objectsDir, name.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  // node:zlib, not Bun.deflateSync: that one writes raw deflate whatever windowBits says, and git needs
  // the zlib header. Level 1, as git's own core.looseCompression default.
  writeFileSync(join(dir, name.slice(2)), deflateSync(raw, { level: 1 }), { mode: 0o444 });
  return id;
}

/** A tree of regular files (mode 100644) sorted by name, as git sorts a tree without subdirectories. */
function treeContent(files: { name: string; id: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    parts.push(encoder.encode(`100644 ${f.name}\0`), f.id);
  }
  return Buffer.concat(parts);
}

/** An index (version 2) with zero stat data: git re-hashes the files once and finds them unchanged. */
function indexContent(files: { name: string; id: Uint8Array; size: number }[]): Uint8Array {
  const entries: Buffer[] = [];
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = Buffer.from(f.name);
    const length = (62 + path.length + 8) & ~7;
    const entry = Buffer.alloc(length);
    entry.writeUInt32BE(0o100644, 24);
    entry.writeUInt32BE(f.size, 36);
    Buffer.from(f.id).copy(entry, 40);
    entry.writeUInt16BE(Math.min(path.length, 0xfff), 60);
    path.copy(entry, 62);
    entries.push(entry);
  }
  const header = Buffer.alloc(12);
  header.write("DIRC", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(files.length, 8);
  const body = Buffer.concat([header, ...entries]);
  return Buffer.concat([body, sha1(body)]);
}

const CONFIG = (bare: boolean) =>
  `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = ${bare}\n${bare ? "" : "\tlogallrefupdates = true\n"}`;

/** One repository with `files` committed on main at `time` (seconds since the epoch). */
function writeRepository(dir: string, files: Record<string, string>, message: string, time: number, bare: boolean) {
  const gitDir = bare ? dir : join(dir, ".git");
  const objects = join(gitDir, "objects");
  for (const d of ["refs/heads", "refs/tags", "objects/info", "objects/pack"])
    mkdirSync(join(gitDir, d), { recursive: true });
  const blobs = Object.entries(files).map(([name, text]) => {
    const bytes = encoder.encode(text);
    return { name, id: writeObject(objects, "blob", bytes), size: bytes.length, bytes };
  });
  const tree = writeObject(objects, "tree", treeContent(blobs));
  const who = `Synthetic Packager <packager@example.org> ${time} +0000`;
  const commit = writeObject(
    objects,
    "commit",
    encoder.encode(`tree ${hex(tree)}\nauthor ${who}\ncommitter ${who}\n\n${message}\n`),
  );
  writeFileSync(join(gitDir, "refs", "heads", "main"), `${hex(commit)}\n`);
  writeFileSync(join(gitDir, "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(join(gitDir, "config"), CONFIG(bare));
  if (!bare) {
    for (const b of blobs) writeFileSync(join(dir, b.name), b.bytes);
    writeFileSync(join(gitDir, "index"), indexContent(blobs));
  }
  return hex(commit);
}

// ----------------------------------------------------------------------------------------- analysis

const ROOTS = ["glibc", "zlib", "python", "openssl", "glib2"];

/**
 * What a push to a pkgbase would rebuild on `arch`, by the core's own planner (src/core/README.md, Build graph) over
 * the .SRCINFO files as written: the transitive runtime dependents of a few foundation pkgbases, how many pkgbases
 * nothing depends on, and the widest first wave (the most pkgbases that wait directly, by any dependency kind, on one
 * pkgbase in its own build graph).
 */
function rebuildStats(universe: ReadonlyMap<string, SourceEntry>, arch: string): Map<string, number> {
  const planner = createPlanner(universe);
  const graphOf = (entry: SourceEntry) =>
    planner.plan([entry], { arch, include: [], defaultArch: arch }).architectures[arch];
  const counts = new Map<string, number>();
  for (const root of ROOTS) {
    const entry = universe.get(root);
    if (entry) counts.set(root, (graphOf(entry)?.nodes.length ?? 1) - 1);
  }
  let alone = 0;
  let widest = 0;
  for (const entry of universe.values()) {
    const graph = graphOf(entry);
    if (!graph) continue;
    if (graph.nodes.length === 1) alone++;
    const waiting = new Set(
      [...graph.edges, ...graph.removed_edges.map((e) => [e.from, e.to])]
        .filter(([from]) => from === entry.pkgbase)
        .map(([, to]) => to),
    );
    widest = Math.max(widest, waiting.size);
  }
  counts.set("(pkgbases nothing depends on)", alone);
  counts.set("(widest first wave: most pkgbases waiting directly on one)", widest);
  return counts;
}

// -------------------------------------------------------------------------------------------- main

function main(): number {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      seed: { type: "string", default: "1" },
      pkgbases: { type: "string", default: "15000" },
      bare: { type: "boolean", default: false },
    },
  });
  const count = Number(values.pkgbases);
  const seed = Number(values.seed);
  if (values.out === undefined) {
    process.stderr.write("usage: bun scripts/gen-universe.ts --out DIR [--seed N] [--pkgbases 15000] [--bare]\n");
    return 2;
  }
  if (!Number.isInteger(count) || count < FOUNDATION.length) {
    process.stderr.write(`--pkgbases must be an integer of at least ${FOUNDATION.length}\n`);
    return 2;
  }
  if (!Number.isInteger(seed)) {
    process.stderr.write("--seed must be an integer\n");
    return 2;
  }
  const out = values.out;
  if (existsSync(out) && readdirSync(out).length > 0) {
    process.stderr.write(`${out} is not empty; choose a new directory\n`);
    return 1;
  }
  mkdirSync(out, { recursive: true });

  const started = performance.now();
  const bases = planUniverse(count, makeRandom(seed));
  // One commit time per seed, a second apart per pkgbase: the same seed always gives the same commit ids.
  const epoch = 1_735_689_600 + (seed % 100_000) * 86_400;
  // The universe as the server would read it: each pkgbase's .SRCINFO, parsed by the core, at its commit.
  const universe = new Map<string, SourceEntry>();
  for (let i = 0; i < bases.length; i++) {
    const b = bases[i]!;
    const version = `${b.epoch === undefined ? "" : `${b.epoch}:`}${b.pkgver}-${b.pkgrel}`;
    const srcinfo = renderSrcinfo(b);
    const commit = writeRepository(
      join(out, b.pkgbase),
      { PKGBUILD: renderPkgbuild(b), ".SRCINFO": srcinfo },
      `upgpkg: ${version}`,
      epoch + i,
      values.bare,
    );
    universe.set(b.pkgbase, {
      pkgbase: b.pkgbase as PkgbaseName,
      ref: "main",
      commit: commit as CommitId,
      srcinfo: parseSrcinfo(srcinfo),
    });
    if ((i + 1) % 1000 === 0) process.stderr.write(`  ${i + 1}/${bases.length} repositories\n`);
  }
  const pkgnames = bases.reduce((n, b) => n + b.packages.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const counts = rebuildStats(universe, "x86_64");
  process.stdout.write(`generated ${bases.length} pkgbases (${pkgnames} pkgnames) in ${out} in ${seconds}s\n`);
  for (const [name, n] of counts) process.stdout.write(`  ${name}: ${n}\n`);
  const [root, most] = [...counts].filter(([name]) => !name.startsWith("(")).sort((a, b) => b[1] - a[1])[0]!;
  process.stdout.write(`root with the most transitive runtime dependents on x86_64: ${root} (${most})\n`);
  return 0;
}

process.exitCode = main();
