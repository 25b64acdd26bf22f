// .SRCINFO and vercmp conformance: our own fixtures under test/conformance/ (every rule the format and
// pacman's version order have, in our own cases), then the ALPM project's vectors when they are beside
// the repository (test/support/conformance.ts). The run prints how many of each ran.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeForArch } from "../src/core/merge";
import { parseSrcinfo, SrcinfoError } from "../src/core/srcinfo";
import { RELATION_KEYS, type RelationLists, type Srcinfo } from "../src/core/types";
import { type Order, vercmp } from "../src/core/vercmp";
import { alpmConformanceDir, OWN_CONFORMANCE, readVercmpTsv, reportConformance } from "./support/conformance";

/** Raw bytes as UTF-8, nothing normalised: some fixtures test line endings and trailing blanks. */
const readRaw = (path: string): string =>
  new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(readFileSync(path));
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
const fixtureNames = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".SRCINFO"))
    .map((f) => f.slice(0, -".SRCINFO".length))
    .sort();
const mirror = (o: Order): Order => (o === 0 ? 0 : o === 1 ? -1 : 1);

function rejection(text: string): SrcinfoError {
  try {
    parseSrcinfo(text);
  } catch (e) {
    if (e instanceof SrcinfoError) return e;
    throw e;
  }
  throw new Error("parsed without error");
}

let ownCases = 0;
let alpmCases: number | null = null;
afterAll(() => reportConformance(".SRCINFO and vercmp", { own: ownCases, alpm: alpmCases }));

// ── our own fixtures ─────────────────────────────────────────────────────────

/** Expectations leave out empty relation lists; this puts them back. */
const withEmptyLists = <T extends object>(p: T): T & RelationLists => ({
  ...(Object.fromEntries(RELATION_KEYS.map((k) => [k, []])) as unknown as RelationLists),
  ...p,
});

interface OwnExpectation {
  pkgbase: string;
  version: Srcinfo["version"];
  arch: string[];
  packages: (Partial<RelationLists> & {
    pkgname: string;
    arch: string[];
    archSpecific?: Srcinfo["packages"][0]["archSpecific"];
  })[];
  merged: Record<string, (Partial<RelationLists> & { pkgname: string; arch: string[] })[]>;
}

describe("our .SRCINFO fixtures that must parse", () => {
  const dir = join(OWN_CONFORMANCE, "srcinfo", "valid");
  const names = fixtureNames(dir);
  ownCases += names.length;

  test("each fixture has its expectation and no expectation lacks a fixture", () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
    const expectations = readdirSync(dir).filter((f) => f.endsWith(".expected.json"));
    expect(expectations.map((f) => f.slice(0, -".expected.json".length)).sort()).toEqual(names);
  });

  test.each(names)("%s: packages, overrides and the merge per architecture", (name) => {
    const expected = readJson(join(dir, `${name}.expected.json`)) as OwnExpectation;
    const s = parseSrcinfo(readRaw(join(dir, `${name}.SRCINFO`)));
    expect({ pkgbase: s.pkgbase, version: s.version, arch: s.arch }).toEqual({
      pkgbase: expected.pkgbase,
      version: expected.version,
      arch: expected.arch,
    });
    expect(s.packages).toEqual(expected.packages.map((p) => ({ archSpecific: {}, ...withEmptyLists(p) })));
    for (const [arch, packages] of Object.entries(expected.merged)) {
      expect({ arch, packages: mergeForArch(s, arch) }).toEqual({ arch, packages: packages.map(withEmptyLists) });
    }
  });
});

describe("our .SRCINFO fixtures that must be rejected", () => {
  const dir = join(OWN_CONFORMANCE, "srcinfo", "invalid");
  const names = fixtureNames(dir);
  const expected = readJson(join(dir, "expected.json")) as Record<
    string,
    { line: number; column: number; says: string }
  >;
  ownCases += names.length;

  test("each fixture has its expected error and no expectation lacks a fixture", () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
    expect(
      Object.keys(expected)
        .filter((k) => !k.startsWith("$"))
        .sort(),
    ).toEqual(names);
  });

  test.each(names)("%s: rejected at its line and column, with a sentence", (name) => {
    const e = rejection(readRaw(join(dir, `${name}.SRCINFO`)));
    const want = expected[name];
    expect({ line: e.line, column: e.column }).toEqual({ line: want?.line ?? -1, column: want?.column ?? -1 });
    expect(e.message).toContain(want?.says ?? "(no expectation)");
  });
});

describe("our vercmp cases, both directions", () => {
  const pairs = readVercmpTsv(join(OWN_CONFORMANCE, "vercmp.tsv"));
  ownCases += pairs.length;

  test("every outcome is represented", () => {
    expect(new Set(pairs.map(([, , o]) => o))).toEqual(new Set<Order>([-1, 0, 1]));
  });

  test.each(pairs)("%p vs %p is %p", (a, b, expected) => {
    expect(vercmp(a, b)).toBe(expected);
    expect(vercmp(b, a)).toBe(mirror(expected));
  });
});

// ── the ALPM project's vectors, when present ─────────────────────────────────

const alpm = alpmConformanceDir();
if (alpm !== null) {
  const SRCINFO = join(alpm, "srcinfo");
  interface ManifestFixture {
    file: string;
    kind: "valid" | "invalid";
    expectations?: Record<string, string>;
    error?: { line: number; column: number; message: string } | null;
  }
  const manifest = readJson(join(SRCINFO, "manifest.json")) as { fixtures: ManifestFixture[] };
  const read = (path: string): string => readRaw(join(SRCINFO, path));
  const parse = (name: string): Srcinfo => parseSrcinfo(read(`valid/${name}.SRCINFO`));

  /** The vectors' neutral shape: effective lists per package, suffixed lists by architecture. */
  const neutral = (s: Srcinfo) => ({
    pkgbase: s.pkgbase,
    pkgver: s.version.pkgver,
    pkgrel: s.version.pkgrel,
    epoch: s.version.epoch,
    arch: s.arch,
    packages: s.packages.map((p) => ({
      pkgname: p.pkgname,
      arch: p.arch,
      ...Object.fromEntries(RELATION_KEYS.map((k) => [k, p[k]])),
      arch_specific: p.archSpecific,
    })),
  });
  /** The vectors' merged shape for one architecture. */
  const merged = (s: Srcinfo, arch: string) =>
    mergeForArch(s, arch).map((p) => ({
      pkgname: p.pkgname,
      arch: p.arch.includes("any") ? "any" : arch,
      pkgver: s.version.pkgver,
      pkgrel: s.version.pkgrel,
      epoch: s.version.epoch,
      ...Object.fromEntries(RELATION_KEYS.map((k) => [k, p[k]])),
    }));

  const valid = fixtureNames(join(SRCINFO, "valid"));
  const invalid = fixtureNames(join(SRCINFO, "invalid"));
  const pairs = readVercmpTsv(join(alpm, "vercmp.tsv"));
  alpmCases = valid.length + invalid.length + pairs.length;

  describe("ALPM .SRCINFO vectors that must parse", () => {
    test.each(valid)("%s parses", (name) => {
      expect(parse(name).packages.length).toBeGreaterThan(0);
    });

    const withNeutral = valid.filter((n) => existsSync(join(SRCINFO, `valid/${n}.json`)));
    test.each(withNeutral)("%s matches its neutral shape", (name) => {
      expect(neutral(parse(name))).toEqual(readJson(join(SRCINFO, `valid/${name}.json`)) as ReturnType<typeof neutral>);
    });

    const withMerged = readdirSync(join(SRCINFO, "valid"))
      .map((f) => /^(.+)\.merged\.([^.]+)\.json$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string] as const)
      .sort();
    test.each(withMerged)("%s merged for %s", (name, arch) => {
      const expected = readJson(join(SRCINFO, `valid/${name}.merged.${arch}.json`)) as ReturnType<typeof merged>;
      expect(merged(parse(name), arch)).toEqual(expected);
    });

    test("every expectation the manifest names is one of those compared", () => {
      for (const f of manifest.fixtures.filter((x) => x.kind === "valid")) {
        const name = f.file.slice("valid/".length, -".SRCINFO".length);
        for (const [kind, path] of Object.entries(f.expectations ?? {})) {
          if (kind === "neutral") expect(withNeutral).toContain(name);
          if (kind.startsWith("merged_")) expect(withMerged).toContainEqual([name, kind.slice("merged_".length)]);
          expect(existsSync(join(SRCINFO, path))).toBe(true);
        }
      }
    });
  });

  describe("ALPM .SRCINFO vectors that must be rejected", () => {
    const errors = new Map(
      manifest.fixtures
        .filter((f) => f.kind === "invalid")
        .map((f) => [f.file.slice("invalid/".length, -".SRCINFO".length), f.error ?? null]),
    );
    // alpm reports missing_pkgname at column 2 of an empty last line, an artefact of its parser; we point at
    // the end of the last line with content. The line agrees.
    const COLUMN_DIFFERS = new Set(["missing_pkgname"]);

    test.each(invalid)("%s is rejected at alpm's position", (name) => {
      const e = rejection(read(`invalid/${name}.SRCINFO`));
      expect(e.message.length).toBeGreaterThan(10);
      const theirs = errors.get(name);
      if (theirs) {
        expect(e.line).toBe(theirs.line);
        if (!COLUMN_DIFFERS.has(name)) expect(e.column).toBe(theirs.column);
      }
    });
  });

  describe("ALPM and pacman vercmp vectors, both directions", () => {
    test.each(pairs)("%p vs %p is %p", (a, b, expected) => {
      expect(vercmp(a, b)).toBe(expected);
      expect(vercmp(b, a)).toBe(mirror(expected));
    });
  });
}
