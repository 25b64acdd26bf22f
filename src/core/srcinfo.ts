// Reading .SRCINFO (SRCINFO(5); src/core/README.md, Reading .SRCINFO): one pkgbase section, then pkgname sections that
// inherit the pkgbase's values and override them key by key, `_<arch>` keys included.
// Runs for every pkgbase of a distribution on a cold load, so lines are cut with plain string
// operations and only the values that need it are checked.
import { Invalid } from "./errors";
import { InvalidName, parsePkgbase, parsePkgname } from "./names";
import { isRelationProblem, readRelation } from "./relation";
import { RELATION_KEYS, type RelationKey, type RelationLists, type Srcinfo, type SrcinfoPackage } from "./types";

export class SrcinfoError extends Invalid {
  override name = "SrcinfoError";
  constructor(
    message: string,
    /** 1-based line of the file. */
    readonly line: number,
    /** 1-based column in Unicode characters; a tab counts as one. */
    readonly column: number,
  ) {
    super(message);
  }
}

/** `FILE:LINE: sentence`, the one line commands print for a bad .SRCINFO. */
export const formatSrcinfoError = (file: string, e: SrcinfoError): string => `${file}:${e.line}: ${e.message}`;

type Value = "relation" | "pkgver" | "pkgrel" | "epoch" | "arch" | "checksum" | "pgpkey" | "text";
interface Keyword {
  /** Only the pkgbase section may set it. */
  pkgbaseOnly: boolean;
  /** May carry an `_<arch>` suffix (`depends_x86_64`). */
  perArch: boolean;
  value: Value;
  /** Hexadecimal digits of a checksum; 0 for cksums (decimal CRC). */
  digits?: number;
}

const shared = (value: Value, perArch = false): Keyword => ({ pkgbaseOnly: false, perArch, value });
const pkgbaseOnly = (value: Value, perArch = false, digits?: number): Keyword => ({
  pkgbaseOnly: true,
  perArch,
  value,
  digits,
});

// SRCINFO(5): the keywords each section accepts and which of them take an architecture suffix.
const KEYWORDS = new Map<string, Keyword>([
  ["pkgver", pkgbaseOnly("pkgver")],
  ["pkgrel", pkgbaseOnly("pkgrel")],
  ["epoch", pkgbaseOnly("epoch")],
  ["validpgpkeys", pkgbaseOnly("pgpkey")],
  ["makedepends", pkgbaseOnly("relation", true)],
  ["checkdepends", pkgbaseOnly("relation", true)],
  ["source", pkgbaseOnly("text", true)],
  ["noextract", pkgbaseOnly("text")],
  ["md5sums", pkgbaseOnly("checksum", true, 32)],
  ["sha1sums", pkgbaseOnly("checksum", true, 40)],
  ["sha224sums", pkgbaseOnly("checksum", true, 56)],
  ["sha256sums", pkgbaseOnly("checksum", true, 64)],
  ["sha384sums", pkgbaseOnly("checksum", true, 96)],
  ["sha512sums", pkgbaseOnly("checksum", true, 128)],
  ["b2sums", pkgbaseOnly("checksum", true, 128)],
  ["cksums", pkgbaseOnly("checksum", true, 0)],
  ["depends", shared("relation", true)],
  ["optdepends", shared("relation", true)],
  ["provides", shared("relation", true)],
  ["conflicts", shared("relation", true)],
  ["replaces", shared("relation", true)],
  ["pkgdesc", shared("text")],
  ["url", shared("text")],
  ["license", shared("text")],
  ["arch", shared("arch")],
  ["changelog", shared("text")],
  ["install", shared("text")],
  ["groups", shared("text")],
  ["options", shared("text")],
  ["backup", shared("text")],
]);

/** The keywords a pkgname section may override; makedepends and checkdepends belong to the pkgbase. */
const OVERRIDABLE: readonly RelationKey[] = RELATION_KEYS.filter((k) => !KEYWORDS.get(k)?.pkgbaseOnly);

/** One section's values as written: relation lists by full key (`depends`, `depends_x86_64`). */
interface Section {
  name: string;
  line: number;
  /** null when the section sets no arch (packages then inherit the pkgbase's). */
  arch: string[] | null;
  /** A key present here, even with no values (`depends =`), overrides the pkgbase's. */
  lists: Map<string, string[]>;
}

interface PkgbaseSection extends Section {
  pkgver?: string;
  pkgrel?: string;
  epoch?: string;
  /** Line of each scalar, for "set twice" errors. */
  setOn: Map<string, number>;
}

/** Parse a .SRCINFO. Throws SrcinfoError with the line, column and a sentence saying what is wrong. */
export function parseSrcinfo(text: string): Srcinfo {
  const lines = text.split("\n");
  // A final newline ends the last line rather than starting another.
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();

  let base: PkgbaseSection | null = null;
  const packages: Section[] = [];
  let section: Section | null = null;

  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] as string;
    if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
    let start = 0;
    while (start < line.length && isBlank(line.charCodeAt(start))) start++;
    if (start === line.length || line.charCodeAt(start) === 0x23 /* # */) continue;

    const lineNo = index + 1;
    const at = (offset: number, message: string) => new SrcinfoError(message, lineNo, column(line, offset));

    let keyEnd = start;
    while (keyEnd < line.length && isKeyChar(line.charCodeAt(keyEnd))) keyEnd++;
    const key = line.slice(start, keyEnd);
    if (key === "") throw at(start, `expected a keyword at the start of the line, found ${quote(line.slice(start))}`);
    // `key = value`, or `key =` with nothing but blanks after it: an empty assignment.
    const cleared = line.startsWith(" =", keyEnd) && isBlankFrom(line, keyEnd + 2);
    if (!cleared && !line.startsWith(" = ", keyEnd)) {
      throw at(keyEnd, `expected \`${key} = value\` with one space on each side of \`=\``);
    }
    const valueAt = cleared ? line.length : keyEnd + 3;
    const value = cleared ? "" : line.slice(valueAt);

    if (key === "pkgbase" || key === "pkgname") {
      if (key === "pkgbase" && base !== null) {
        throw at(
          start,
          `found a second \`pkgbase\` (the first is on line ${base.line}); a .SRCINFO describes one pkgbase`,
        );
      }
      if (key === "pkgname" && base === null) {
        throw at(start, "expected the file to begin with `pkgbase = NAME`, found `pkgname` first");
      }
      if (value === "") throw at(valueAt, `\`${key}\` needs a name`);
      const problem = nameProblem(key, value);
      if (problem) throw at(valueAt, problem);
      if (key === "pkgbase") {
        base = { name: value, line: lineNo, arch: null, lists: new Map(), setOn: new Map() };
        section = base;
      } else {
        const twin = packages.find((p) => p.name === value);
        if (twin) throw at(valueAt, `package ${quote(value)} is declared twice (first on line ${twin.line})`);
        section = { name: value, line: lineNo, arch: null, lists: new Map() };
        packages.push(section);
      }
      continue;
    }
    if (base === null || section === null) {
      throw at(start, `expected the file to begin with \`pkgbase = NAME\`, found \`${key}\` first`);
    }

    const underscore = key.indexOf("_");
    const word = underscore === -1 ? key : key.slice(0, underscore);
    const kw = KEYWORDS.get(word);
    if (kw === undefined) throw at(start, `unknown keyword \`${key}\``);
    const inPkgbase = section === base;
    if (kw.pkgbaseOnly && !inPkgbase) {
      throw at(
        start,
        `\`${word}\` belongs to the pkgbase section and cannot be set for package ${quote(section.name)}`,
      );
    }
    if (underscore !== -1) {
      const arch = key.slice(underscore + 1);
      if (!kw.perArch) throw at(start, `\`${word}\` cannot be architecture-specific (\`${key}\`)`);
      if (arch === "any") throw at(start, `\`${key}\`: \`any\` is not an architecture suffix; write \`${word}\``);
      if (arch === "") throw at(start, `\`${key}\`: expected an architecture after \`_\``);
    }

    switch (kw.value) {
      case "relation": {
        let list = section.lists.get(key);
        if (list === undefined) {
          list = [];
          section.lists.set(key, list);
        }
        if (value === "") break;
        const r = readRelation(value, word as RelationKey);
        if (isRelationProblem(r)) throw at(valueAt + r.offset, `invalid ${word} entry ${quote(value)}: ${r.reason}`);
        list.push(value);
        break;
      }
      case "arch": {
        if (value === "") throw at(valueAt, "`arch` needs a value; it cannot be cleared");
        const bad = firstOutside(value, isArchChar);
        if (bad !== -1) throw at(valueAt + bad, `invalid architecture ${quote(value)}: use letters, digits and \`_\``);
        section.arch ??= [];
        const list = section.arch;
        if (list.includes(value)) break;
        if (value === "any" ? list.length > 0 : list.includes("any")) {
          throw at(valueAt, "`arch = any` cannot be combined with other architectures");
        }
        list.push(value);
        break;
      }
      case "pkgver":
      case "pkgrel":
      case "epoch": {
        const first = base.setOn.get(word);
        if (first !== undefined) throw at(start, `\`${word}\` is set twice (first on line ${first})`);
        base.setOn.set(word, lineNo);
        const problem = versionProblem(kw.value, value);
        if (problem) throw at(valueAt + problem.offset, problem.reason);
        base[kw.value] = value;
        break;
      }
      case "checksum": {
        const problem = checksumProblem(word, kw.digits ?? 0, value);
        if (problem) throw at(valueAt + problem.offset, problem.reason);
        break;
      }
      case "pgpkey": {
        if (!isHex(value) || (value.length !== 40 && value.length !== 16)) {
          throw at(
            valueAt,
            `invalid validpgpkeys entry ${quote(value)}: expected a 40-digit OpenPGP fingerprint (or a 16-digit key ID)`,
          );
        }
        break;
      }
      case "text":
        break;
    }
  }

  const endLine = Math.max(lines.length, 1);
  if (base === null) {
    throw new SrcinfoError("expected `pkgbase = NAME`, found no pkgbase section", endLine, 1);
  }
  const pkgbase: PkgbaseSection = base;
  if (packages.length === 0) {
    throw new SrcinfoError(
      `expected a \`pkgname = NAME\` section after the pkgbase section, found the end of the file`,
      endLine,
      (lines[endLine - 1]?.length ?? 0) + 1,
    );
  }
  const { pkgver, pkgrel, epoch } = pkgbase;
  const missing = (what: string) =>
    new SrcinfoError(`pkgbase ${quote(pkgbase.name)} has no \`${what}\``, pkgbase.line, 1);
  if (pkgver === undefined) throw missing("pkgver");
  if (pkgrel === undefined) throw missing("pkgrel");

  // alpm (and makepkg) treat a pkgbase without arch as buildable anywhere.
  const baseArch = pkgbase.arch ?? ["any"];
  return {
    pkgbase: pkgbase.name,
    version: { epoch: epoch ?? null, pkgver, pkgrel },
    arch: [...baseArch],
    packages: packages.map((p) => effectivePackage(pkgbase, p, baseArch)),
  };
}

/** A package's values: its own where its section sets a key (even empty), else the pkgbase's. */
function effectivePackage(base: Section, pkg: Section, baseArch: string[]): SrcinfoPackage {
  const lists = {} as RelationLists;
  for (const key of RELATION_KEYS) {
    const own = OVERRIDABLE.includes(key) ? pkg.lists.get(key) : undefined;
    lists[key] = [...(own ?? base.lists.get(key) ?? [])];
  }
  const archSpecific: SrcinfoPackage["archSpecific"] = {};
  for (const fullKey of new Set([...base.lists.keys(), ...pkg.lists.keys()])) {
    const underscore = fullKey.indexOf("_");
    if (underscore === -1) continue;
    const values = pkg.lists.get(fullKey) ?? base.lists.get(fullKey) ?? [];
    if (values.length === 0) continue;
    const arch = fullKey.slice(underscore + 1);
    archSpecific[arch] ??= {};
    archSpecific[arch][fullKey.slice(0, underscore) as RelationKey] = [...values];
  }
  return { pkgname: pkg.name, arch: [...(pkg.arch ?? baseArch)], ...lists, archSpecific };
}

// names.ts is the one gate for names; its sentence gets the rule appended.
function nameProblem(key: "pkgbase" | "pkgname", value: string): string | null {
  try {
    if (key === "pkgbase") parsePkgbase(value);
    else parsePkgname(value);
    return null;
  } catch (e) {
    if (!(e instanceof InvalidName)) throw e;
    return `${e.message}: use letters, digits and @._+-, not starting with \`-\` or \`.\``;
  }
}

interface Problem {
  offset: number;
  reason: string;
}

function versionProblem(kind: "pkgver" | "pkgrel" | "epoch", value: string): Problem | null {
  if (value === "") return { offset: 0, reason: `\`${kind}\` needs a value` };
  switch (kind) {
    case "pkgver": {
      const bad = firstOutside(value, isPkgverChar);
      if (bad === -1) return null;
      return {
        offset: bad,
        reason: `invalid pkgver ${quote(value)}: use ASCII characters except \`:\`, \`/\`, \`-\`, \`<\`, \`>\`, \`=\` and whitespace`,
      };
    }
    case "pkgrel": {
      const dot = value.indexOf(".");
      const whole = dot === -1 ? value : value.slice(0, dot);
      const fraction = dot === -1 ? "0" : value.slice(dot + 1);
      if (isDigits(whole) && isDigits(fraction)) return null;
      return {
        offset: 0,
        reason: `invalid pkgrel ${quote(value)}: expected digits, optionally \`.\` and digits (\`1\`, \`2.1\`)`,
      };
    }
    case "epoch":
      return isDigits(value)
        ? null
        : { offset: 0, reason: `invalid epoch ${quote(value)}: expected a non-negative integer` };
  }
}

function checksumProblem(word: string, digits: number, value: string): Problem | null {
  if (value === "SKIP") return null;
  if (digits === 0) {
    // cksums holds the decimal CRC that POSIX cksum prints.
    if (isDigits(value) && value.length <= 10) return null;
    return { offset: 0, reason: `invalid ${word} entry ${quote(value)}: expected a decimal CRC or SKIP` };
  }
  const bad = firstOutside(value, isHexChar);
  if (bad !== -1 && bad < digits) {
    return {
      offset: bad,
      reason: `invalid ${word} entry ${quote(value)}: expected ${digits} hexadecimal digits or SKIP`,
    };
  }
  if (value.length > digits) {
    return {
      offset: 0,
      reason: `${word} entry is too long: expected ${digits} hexadecimal digits or SKIP, found ${value.length} characters`,
    };
  }
  if (value.length < digits) {
    return {
      offset: 0,
      reason: `${word} entry is too short: expected ${digits} hexadecimal digits or SKIP, found ${value.length}`,
    };
  }
  return null;
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isKeyChar = (c: number): boolean => isLower(c) || isUpper(c) || isDigit(c) || c === 0x5f;
const isArchChar = isKeyChar;
const isHexChar = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
// alpm-pkgver(7): printable ASCII except `:` `/` `-` `<` `>` `=` (and so no whitespace).
const isPkgverChar = (c: number): boolean =>
  c > 0x20 && c < 0x7f && c !== 0x3a && c !== 0x2f && c !== 0x2d && c !== 0x3c && c !== 0x3e && c !== 0x3d;

function firstOutside(s: string, ok: (c: number) => boolean): number {
  for (let i = 0; i < s.length; i++) if (!ok(s.charCodeAt(i))) return i;
  return -1;
}
const isDigits = (s: string): boolean => s.length > 0 && firstOutside(s, isDigit) === -1;
const isHex = (s: string): boolean => s.length > 0 && firstOutside(s, isHexChar) === -1;
function isBlankFrom(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (!isBlank(s.charCodeAt(i))) return false;
  return true;
}

/** 1-based column of a UTF-16 offset, counted in Unicode characters like alpm's messages. */
function column(line: string, offset: number): number {
  let n = 1;
  for (const _ of line.slice(0, offset)) n++;
  return n;
}

const quote = (s: string): string => JSON.stringify(s);
