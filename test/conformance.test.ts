// The shared .SRCINFO conformance fixtures (shared/conformance/README.md §3), read in place.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeForArch } from "../src/core/merge";
import { parseSrcinfo, SrcinfoError } from "../src/core/srcinfo";
import { RELATION_KEYS, type Srcinfo } from "../src/core/types";

const SRCINFO = join(import.meta.dir, "../../shared/conformance/srcinfo");

interface ManifestError {
  line: number;
  column: number;
  message: string;
}
interface ManifestFixture {
  file: string;
  kind: "valid" | "invalid";
  expectations?: Record<string, string>;
  error?: ManifestError | null;
}
const manifest = JSON.parse(readFileSync(join(SRCINFO, "manifest.json"), "utf8")) as { fixtures: ManifestFixture[] };

/** Raw bytes as UTF-8, nothing normalised: some fixtures test line endings and trailing blanks. */
const read = (path: string): string =>
  new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(readFileSync(join(SRCINFO, path)));
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(SRCINFO, path), "utf8"));
const fixtures = (dir: "valid" | "invalid"): string[] =>
  readdirSync(join(SRCINFO, dir))
    .filter((f) => f.endsWith(".SRCINFO"))
    .map((f) => f.slice(0, -".SRCINFO".length))
    .sort();

/** README §3.2, the neutral shape. */
function neutral(s: Srcinfo) {
  return {
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
  };
}

/** README §3.3, the merged shape for one architecture. */
function merged(s: Srcinfo, arch: string) {
  return mergeForArch(s, arch).map((p) => ({
    pkgname: p.pkgname,
    arch: p.arch.includes("any") ? "any" : arch,
    pkgver: s.version.pkgver,
    pkgrel: s.version.pkgrel,
    epoch: s.version.epoch,
    ...Object.fromEntries(RELATION_KEYS.map((k) => [k, p[k]])),
  }));
}

const parse = (name: string): Srcinfo => parseSrcinfo(read(`valid/${name}.SRCINFO`));

describe("valid .SRCINFO fixtures", () => {
  const names = fixtures("valid");

  test("all 19 are here", () => {
    expect(names).toHaveLength(19);
  });

  test.each(names)("%s parses", (name) => {
    const s = parse(name);
    expect(s.packages.length).toBeGreaterThan(0);
  });

  const withNeutral = names.filter((n) => existsSync(join(SRCINFO, `valid/${n}.json`)));
  test("7 have a neutral expectation", () => {
    expect(withNeutral).toHaveLength(7);
  });
  test.each(withNeutral)("%s matches its neutral shape", (name) => {
    expect(neutral(parse(name))).toEqual(readJson(`valid/${name}.json`) as ReturnType<typeof neutral>);
  });

  const withMerged = readdirSync(join(SRCINFO, "valid"))
    .map((f) => /^(.+)\.merged\.([^.]+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] as string, m[2] as string] as const)
    .sort();
  test("10 merged expectations, one per fixture and architecture", () => {
    expect(withMerged).toHaveLength(10);
  });
  test.each(withMerged)("%s merged for %s", (name, arch) => {
    const expected = readJson(`valid/${name}.merged.${arch}.json`) as ReturnType<typeof merged>;
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

  // Smaller checks upstream makes (manifest `upstream_assertions`).
  test("cli_three_packages: per-architecture package lists", () => {
    const s = parse("cli_three_packages");
    expect(merged(s, "x86_64").map((p) => [p.pkgname, p.arch])).toEqual([
      ["example", "x86_64"],
      ["example_2", "x86_64"],
    ]);
    expect(merged(s, "aarch64").map((p) => [p.pkgname, p.arch])).toEqual([["example_aarch64", "aarch64"]]);
  });

  test("ws_* fixtures: names and the unterminated last line", () => {
    for (const name of [
      "ws_missing_newline_after_pkgname",
      "ws_missing_newline_after_depends",
      "ws_trailing_whitespace_after_newline",
    ]) {
      const s = parse(name);
      expect([s.pkgbase, s.packages.map((p) => p.pkgname)]).toEqual(["example", ["example"]]);
    }
    expect(parse("ws_missing_newline_after_depends").packages[0]?.depends).toEqual(["some_dependency"]);
  });

  test("doc_split_pkgdesc and unit_normal: order and version", () => {
    expect(merged(parse("doc_split_pkgdesc"), "x86_64").map((p) => p.pkgname)).toEqual(["example", "example_other"]);
    expect(parse("unit_normal").version).toEqual({ epoch: "1", pkgver: "0.1.0", pkgrel: "1" });
  });

  test("spec_split_overrides: example-docs unsets depends, example keeps them", () => {
    const [example, docs] = parse("spec_split_overrides").packages;
    expect(example?.depends).toEqual(["glibc", "gcc-libs"]);
    expect(example?.optdepends).toEqual(["python: for special-python-script.py", "example-docs: for documentation"]);
    expect(docs?.depends).toEqual([]);
    expect(docs?.makedepends).toEqual(["cmake", "python-sphinx"]);
  });

  test("writer_arch_restricted_overrides: narrowed to aarch64, so nothing for x86_64", () => {
    const s = parse("writer_arch_restricted_overrides");
    expect(merged(s, "x86_64")).toEqual([]);
    expect(merged(s, "aarch64")[0]).toMatchObject({ depends: [], optdepends: [], provides: ["overridden"] });
  });
});

describe("invalid .SRCINFO fixtures", () => {
  const names = fixtures("invalid");
  const expected = new Map(
    manifest.fixtures
      .filter((f) => f.kind === "invalid")
      .map((f) => [f.file.slice("invalid/".length, -".SRCINFO".length), f.error ?? null]),
  );
  // alpm reports missing_pkgname at column 2 of an empty last line: a parser artefact (README §3.4).
  // We point at the start of that line; the line number agrees.
  const COLUMN_DIFFERS = new Set(["missing_pkgname"]);

  test("all 12 are here and in the manifest", () => {
    expect(names).toHaveLength(12);
    expect([...expected.keys()].sort()).toEqual(names);
  });

  test.each(names)("%s is rejected at alpm's position", (name) => {
    let error: unknown;
    try {
      parseSrcinfo(read(`invalid/${name}.SRCINFO`));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SrcinfoError);
    const e = error as SrcinfoError;
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.message.length).toBeGreaterThan(10);
    const alpm = expected.get(name);
    if (alpm) {
      expect(e.line).toBe(alpm.line);
      if (!COLUMN_DIFFERS.has(name)) expect(e.column).toBe(alpm.column);
    }
  });
});
