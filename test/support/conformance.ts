// Where the conformance cases live. Our own fixtures under test/conformance/ always run; the ALPM
// project's vectors run in addition when BUILDBTW_CONFORMANCE_DIR (default ../shared/conformance,
// beside the repository) exists. Nothing here may be required: a clone on its own must pass.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Order } from "../../src/core/vercmp";

const ROOT = join(import.meta.dir, "..", "..");
/** Our own cases: .SRCINFO fixtures with expectations, and vercmp pairs. */
export const OWN_CONFORMANCE = join(ROOT, "test", "conformance");

/** The ALPM vectors' directory, or null when it is not there (then only our own cases run). */
export function alpmConformanceDir(): string | null {
  const dir = resolve(ROOT, process.env.BUILDBTW_CONFORMANCE_DIR ?? "../shared/conformance");
  return existsSync(join(dir, "vercmp.tsv")) ? dir : null;
}

export type VercmpVector = [a: string, b: string, expected: Order];

/** A vercmp table: `a<TAB>b<TAB>expected` lines, `#` comments and blank lines ignored. */
export function readVercmpTsv(path: string): VercmpVector[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [a = "", b = "", expected] = l.split("\t");
      const order = Number(expected);
      if (order !== -1 && order !== 0 && order !== 1) throw new Error(`${path}: bad vercmp line: ${l}`);
      return [a, b, order];
    });
}

/** Says on the test output how many cases of which source ran, so a missing directory is visible. */
export function reportConformance(what: string, counts: { own: number; alpm: number | null }): void {
  const alpm =
    counts.alpm === null
      ? "ALPM vectors not found (BUILDBTW_CONFORMANCE_DIR, default ../shared/conformance), not run"
      : `${counts.alpm} ALPM vectors from ${alpmConformanceDir()} ran`;
  console.log(`conformance, ${what}: ${counts.own} own cases ran; ${alpm}`);
}
