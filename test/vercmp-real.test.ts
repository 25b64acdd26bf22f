// Our vercmp against pacman's own: the `vercmp` binary on the conformance cases, and libalpm's
// alpm_pkg_vercmp (the function the binary and pacman call) on many generated pairs, through bun:ffi, so a
// hundred thousand comparisons take a fraction of a second instead of one process each. libalpm comes with
// pacman (Debian's pacman-package-manager depends on libalpm13; Arch's pacman ships libalpm.so.15).

import { dlopen, FFIType } from "bun:ffi";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { vercmp } from "../src/core/vercmp";
import { alpmConformanceDir, OWN_CONFORMANCE, readVercmpTsv, reportConformance } from "./support/conformance";

const REAL_VERCMP = "/usr/bin/vercmp";
/** Pairs compared through libalpm, and the first of them through the binary as well. */
const GENERATED_PAIRS = 200_000;
const THROUGH_THE_BINARY = 2_000;
const CHUNKS = 2;

/** libalpm's alpm_pkg_vercmp, from the first library name the loader knows (Debian has .13, Arch .15), or null. */
function loadAlpmVercmp(): ((a: string, b: string) => number) | null {
  const listed = Bun.spawnSync(["ldconfig", "-p"], { stdout: "pipe", stderr: "ignore" }).stdout.toString();
  const names = [...new Set(listed.match(/libalpm\.so\.\d+/g) ?? [])];
  for (const name of names) {
    try {
      const lib = dlopen(name, { alpm_pkg_vercmp: { args: [FFIType.cstring, FFIType.cstring], returns: FFIType.i32 } });
      const c = (s: string) => Buffer.from(`${s}\0`, "utf8");
      return (a, b) => Math.sign(lib.symbols.alpm_pkg_vercmp(c(a), c(b)));
    } catch {}
  }
  return null;
}

type Pair = [string, string];

/** mulberry32: small, seeded, the same sequence on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const SEPARATORS = [".", ".", ".", "_", "+", "~", "..", "._", "é"] as const;
  const ALPHA = ["a", "b", "rc", "alpha", "beta", "pre", "git", "r", "Z"] as const;

  const number = () => (random() < 0.2 ? "0".repeat(1 + int(3)) : "") + String(int(random() < 0.8 ? 12 : 100000));
  const segment = () => (random() < 0.65 ? number() : pick(ALPHA));
  function pkgver(): string {
    let s = segment();
    for (let n = int(5); n > 0; n--) {
      // Empty separators make alpha/numeric runs touch: `1rc2`.
      s += random() < 0.25 ? "" : pick(SEPARATORS);
      s += segment();
    }
    if (random() < 0.1) s += pick(SEPARATORS);
    return s;
  }
  function version(): string {
    const epoch = random() < 0.25 ? `${pick(["", "0", "1", "2", "01", "10"])}:` : "";
    const pkgrel = random() < 0.6 ? `-${pick(["1", "2", "1.1", "10", "01", "0", "1.a", ""])}` : "";
    return `${epoch}${pkgver()}${pkgrel}`;
  }
  /** Mostly a small change of `a`, where the interesting cases are; sometimes unrelated. */
  function neighbour(a: string): string {
    switch (int(6)) {
      case 0:
        return version();
      case 1:
        return a.replace(/[0-9]+/, (d) => String(Number(d) + pick([-1, 0, 1])).replace("-", ""));
      case 2:
        return a + pick([...SEPARATORS, "-1", "a", "1", ".0"]);
      case 3:
        return a.slice(0, Math.max(1, a.length - 1 - int(3)));
      case 4:
        return a.replace(pick([".", "_", "+", "~"]), pick(SEPARATORS));
      default:
        return random() < 0.5 ? `1:${a}` : a.replace(/-[^-]*$/, `-${pick(["1", "2", "3"])}`);
    }
  }
  return (): Pair => {
    const a = version();
    return [a, neighbour(a)];
  };
}

/** Run the real binary on every pair: one bash loop per chunk, chunks in parallel. */
async function realVercmp(pairs: Pair[]): Promise<number[]> {
  const size = Math.ceil(pairs.length / CHUNKS);
  const chunks = Array.from({ length: CHUNKS }, (_, i) => pairs.slice(i * size, (i + 1) * size));
  const outputs = await Promise.all(
    chunks.map(async (chunk) => {
      const input = chunk.map(([a, b]) => `${a}\t${b}\n`).join("");
      const proc = Bun.spawn(["bash", "-c", `while IFS=$'\\t' read -r a b; do ${REAL_VERCMP} "$a" "$b"; done`], {
        stdin: new Blob([input]),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      if (code !== 0) throw new Error(`vercmp loop exited ${code}: ${err}`);
      return out
        .split("\n")
        .filter((l) => l !== "")
        .map(Number);
    }),
  );
  return outputs.flat();
}

/** The first disagreements, readably; [] when ours and the binary agree on every pair. */
async function disagreements(pairs: Pair[]): Promise<string[]> {
  const real = await realVercmp(pairs);
  expect(real).toHaveLength(pairs.length);
  const found: string[] = [];
  pairs.forEach(([a, b], i) => {
    const ours = vercmp(a, b);
    if (ours !== real[i]) found.push(`vercmp ${JSON.stringify(a)} ${JSON.stringify(b)}: real ${real[i]}, ours ${ours}`);
  });
  return found.slice(0, 20);
}

describe("vercmp against the real pacman binary", () => {
  test("the real vercmp is installed", () => {
    expect(existsSync(REAL_VERCMP)).toBe(true);
  });

  const own = readVercmpTsv(join(OWN_CONFORMANCE, "vercmp.tsv"));
  const alpmDir = alpmConformanceDir();
  const alpm = alpmDir === null ? null : readVercmpTsv(join(alpmDir, "vercmp.tsv"));
  afterAll(() => reportConformance("vercmp against the real binary", { own: own.length, alpm: alpm?.length ?? null }));
  const bothWays = (vectors: [string, string, unknown][]): Pair[] =>
    vectors.flatMap(([a, b]): Pair[] => [
      [a, b],
      [b, a],
    ]);

  test("our own cases, both directions", async () => {
    expect(own.length).toBeGreaterThan(50);
    expect(await disagreements(bothWays(own))).toEqual([]);
  }, 30_000);

  if (alpm !== null) {
    test("the ALPM and pacman vectors, both directions", async () => {
      expect(await disagreements(bothWays(alpm))).toEqual([]);
    }, 30_000);
  }

  const next = generator(0x5eed);
  const pairs: Pair[] = [];
  for (let i = 0; i < GENERATED_PAIRS / 2; i++) {
    const [a, b] = next();
    pairs.push([a, b], [b, a]);
  }
  const alpmVercmp = loadAlpmVercmp();

  test("the generated pairs reach all three outcomes and the tricky shapes", () => {
    const outcomes = new Set(pairs.map(([a, b]) => vercmp(a, b)));
    expect([...outcomes].sort()).toEqual([-1, 0, 1]);
    expect(pairs.some(([a]) => /^[0-9]*:/.test(a))).toBe(true);
    expect(pairs.some(([a]) => /\.\.|__|\+|~/.test(a))).toBe(true);
    expect(pairs.some(([a]) => /(^|[^0-9])0[0-9]/.test(a))).toBe(true);
    expect(pairs.some(([a]) => /[._+~]$/.test(a))).toBe(true);
  });

  test("libalpm is loadable", () => {
    expect(alpmVercmp).not.toBeNull();
  });

  test(`${GENERATED_PAIRS} generated pairs (seeded, both directions) against libalpm's alpm_pkg_vercmp`, () => {
    const real = alpmVercmp!;
    const found: string[] = [];
    for (const [a, b] of pairs) {
      const ours = vercmp(a, b);
      if (ours !== real(a, b) && found.length < 20)
        found.push(`alpm_pkg_vercmp ${JSON.stringify(a)} ${JSON.stringify(b)}: real ${real(a, b)}, ours ${ours}`);
    }
    expect(found).toEqual([]);
  });

  test(`the first ${THROUGH_THE_BINARY} generated pairs against the binary, which agrees with libalpm`, async () => {
    const sample = pairs.slice(0, THROUGH_THE_BINARY);
    const binary = await realVercmp(sample);
    expect(sample.map(([a, b]) => alpmVercmp!(a, b))).toEqual(binary);
    expect(sample.map(([a, b]): number => vercmp(a, b))).toEqual(binary);
  }, 60_000);
});
