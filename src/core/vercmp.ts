// Version comparison exactly as pacman's vercmp / alpm_pkg_vercmp (lib/libalpm/version.c):
// split `[epoch:]version[-release]`, then compare each part with rpmvercmp (rpm 4.8.1 rules).
// pacman works on C strings, so this works on UTF-8 bytes: every byte of a non-ASCII character
// counts as one separator, exactly as the real binary counts it.

export type Order = -1 | 0 | 1;

const utf8 = new TextEncoder();

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);

/** Compare two package versions like pacman: -1 if `a` is older, 0 if equal, 1 if newer. */
export function vercmp(a: string, b: string): Order {
  if (a === b) return 0;
  const x = splitEvr(utf8.encode(a));
  const y = splitEvr(utf8.encode(b));
  const byEpoch = rpmvercmp(x.epoch, y.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  // The release only counts when both sides have one: `1.5-1` equals `1.5`.
  if (byVersion !== 0 || x.release === null || y.release === null) return byVersion;
  return rpmvercmp(x.release, y.release);
}

interface Evr {
  epoch: Uint8Array;
  version: Uint8Array;
  release: Uint8Array | null;
}

const ZERO = Uint8Array.of(0x30);
const COLON = 0x3a;
const HYPHEN = 0x2d;

// parseEVR: the epoch is a leading run of digits directly followed by `:` (empty counts as 0);
// the release is whatever follows the last `-` after that digit run.
function splitEvr(s: Uint8Array): Evr {
  let digits = 0;
  while (digits < s.length && isDigit(s[digits] as number)) digits++;
  // Everything before `digits` is a digit, so the last `-` anywhere is the last one after them.
  const releaseAt = s.lastIndexOf(HYPHEN);
  const end = releaseAt === -1 ? s.length : releaseAt;
  const hasEpoch = s[digits] === COLON;
  return {
    epoch: hasEpoch && digits > 0 ? s.subarray(0, digits) : ZERO,
    version: s.subarray(hasEpoch ? digits + 1 : 0, end),
    release: releaseAt === -1 ? null : s.subarray(releaseAt + 1),
  };
}

function rpmvercmp(a: Uint8Array, b: Uint8Array): Order {
  if (sameBytes(a, b)) return 0;
  // `i`/`j` walk segments; `prevI`/`prevJ` mark where the separators before them began.
  let i = 0;
  let j = 0;
  let prevI = 0;
  let prevJ = 0;
  while (i < a.length && j < b.length) {
    while (i < a.length && !isAlnum(a[i] as number)) i++;
    while (j < b.length && !isAlnum(b[j] as number)) j++;
    if (i >= a.length || j >= b.length) break;
    // More consecutive separators win.
    if (i - prevI !== j - prevJ) return i - prevI < j - prevJ ? -1 : 1;

    const numeric = isDigit(a[i] as number);
    const inSegment = numeric ? isDigit : isAlpha;
    let endI = i;
    let endJ = j;
    while (endI < a.length && inSegment(a[endI] as number)) endI++;
    while (endJ < b.length && inSegment(b[endJ] as number)) endJ++;
    // A numeric segment against an alpha one (empty here): numbers are newer.
    if (endJ === j) return numeric ? 1 : -1;

    if (numeric) {
      while (a[i] === 0x30 && i < endI) i++;
      while (b[j] === 0x30 && j < endJ) j++;
      if (endI - i !== endJ - j) return endI - i > endJ - j ? 1 : -1;
    }
    const bySegment = compareBytes(a, i, endI, b, j, endJ);
    if (bySegment !== 0) return bySegment;
    i = prevI = endI;
    j = prevJ = endJ;
  }
  if (i >= a.length && j >= b.length) return 0;
  // The final showdown: a remaining alpha segment never beats an empty string.
  const restA = i < a.length ? (a[i] as number) : -1;
  const restB = j < b.length ? (b[j] as number) : -1;
  if ((restA === -1 && !isAlpha(restB)) || isAlpha(restA)) return -1;
  return 1;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, 0, a.length, b, 0, b.length) === 0;
}

function compareBytes(a: Uint8Array, i: number, endI: number, b: Uint8Array, j: number, endJ: number): Order {
  for (; i < endI && j < endJ; i++, j++) {
    const d = (a[i] as number) - (b[j] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (endI - i === endJ - j) return 0;
  return i < endI ? 1 : -1;
}
