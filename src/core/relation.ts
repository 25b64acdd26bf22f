// Package relations (alpm-package-relation(7)): `name[op version]`, as written in depends,
// provides, conflicts, … and, with a `: description`, in optdepends.
import { Invalid } from "./errors";
import type { Relation, RelationKey, RelationOp } from "./types";
import { vercmp } from "./vercmp";

export class InvalidRelation extends Invalid {
  override name = "InvalidRelation";
}

/** Why a relation string is malformed, and at which UTF-16 offset. */
export interface RelationProblem {
  offset: number;
  reason: string;
}

interface Rules {
  /** `prefix:soname` names (alpm-sonamev2, e.g. `lib:libfoo.so.1`): only depends and provides. */
  sonameV2: boolean;
  /** A trailing `: description`: only optdepends. */
  description: boolean;
}

const LENIENT: Rules = { sonameV2: true, description: true };
const RULES: Record<RelationKey, Rules> = {
  depends: { sonameV2: true, description: false },
  provides: { sonameV2: true, description: false },
  optdepends: { sonameV2: false, description: true },
  makedepends: { sonameV2: false, description: false },
  checkdepends: { sonameV2: false, description: false },
  conflicts: { sonameV2: false, description: false },
  replaces: { sonameV2: false, description: false },
};

// makepkg's package name alphabet (letters, digits, @._+-); sonames use the same characters.
const isNameChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  c === 0x40 || // @
  c === 0x2e || // .
  c === 0x5f || // _
  c === 0x2b || // +
  c === 0x2d; // -
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
const COLON = 0x3a;

/**
 * Where the name of a relation ends: at the operator, the optdepends `: ` or anything that is
 * not a name character. A `:` directly followed by a name character continues the name
 * (`lib:libfoo.so.1`), because pacman matches such sonames by their whole text.
 */
function nameEnd(s: string, sonameV2: boolean): number {
  let i = 0;
  while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
  if (sonameV2 && i > 0 && s.charCodeAt(i) === COLON && isNameChar(s.charCodeAt(i + 1))) {
    i += 1;
    while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
  }
  return i;
}

/**
 * The name a relation resolves by, never throwing: `libfoo.so=1-64` → `libfoo.so`,
 * `python>=3.12` → `python`, `python: bindings` → `python`. Agrees with `parseRelation(s).name`.
 */
export const relationName = (s: string): string => s.slice(0, nameEnd(s, true));

/** A relation with its optdepends description, or why it is malformed. */
export type ReadRelation = (Relation & { description: string | null }) | RelationProblem;

/**
 * Read one relation as the keyword `key` allows it (or, without `key`, every form any keyword
 * allows). Versions are checked only for being one word without operators: pacman compares any
 * string, and refusing an unusual but working version would drop a whole pkgbase from the graph.
 */
export function readRelation(s: string, key?: RelationKey): ReadRelation {
  const rules = key === undefined ? LENIENT : RULES[key];
  const end = nameEnd(s, rules.sonameV2);
  if (end === 0) return { offset: 0, reason: "expected a package name" };
  const first = s.charCodeAt(0);
  if (first === 0x2d || first === 0x2e) return { offset: 0, reason: "a package name cannot start with `-` or `.`" };
  let i = end;
  let op: RelationOp | null = null;
  let version: string | null = null;
  const c = s[i];
  if (c === "<" || c === ">" || c === "=") {
    op = c !== "=" && s[i + 1] === "=" ? (`${c}=` as RelationOp) : (c as RelationOp);
    i += op.length;
    const start = i;
    while (i < s.length && !endsVersion(s, i)) i++;
    if (i === start) return { offset: i, reason: `expected a version after \`${op}\`` };
    version = s.slice(start, i);
  }
  let description: string | null = null;
  if (i < s.length) {
    if (s.charCodeAt(i) !== COLON || !(i + 1 === s.length || isBlank(s.charCodeAt(i + 1)))) {
      return { offset: i, reason: `unexpected ${JSON.stringify(s[i])} in package relation ${JSON.stringify(s)}` };
    }
    if (!rules.description) {
      return { offset: i, reason: "a description (`: …`) is only allowed in optdepends" };
    }
    description = s.slice(i + 1).trim();
  }
  return { name: s.slice(0, end), op, version, description };
}

// A version runs to the end, to blanks, to another operator, or to the optdepends `: `.
function endsVersion(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (isBlank(c) || c === 0x3c || c === 0x3d || c === 0x3e) return true;
  return c === COLON && (i + 1 === s.length || isBlank(s.charCodeAt(i + 1)));
}

export const isRelationProblem = (r: ReadRelation): r is RelationProblem => "reason" in r;

/** Parse a relation as written in .SRCINFO (any keyword's form; an optdepends description is dropped). */
export function parseRelation(s: string): Relation {
  const r = readRelation(s);
  if (isRelationProblem(r)) throw new InvalidRelation(r.reason);
  return { name: r.name, op: r.op, version: r.version };
}

/** Render a relation the way .SRCINFO writes it: no spaces (`python>=3.12`). */
export const formatRelation = (r: Relation): string =>
  r.op === null || r.version === null ? r.name : `${r.name}${r.op}${r.version}`;

/**
 * Whether a package (or a versioned provision) at `version` (`[epoch:]pkgver[-pkgrel]`, see
 * formatVersion) meets the relation's version constraint, compared with vercmp like pacman's dep_vercmp. The names are the caller's
 * business. `python>=3.12` is met by `3.12.1-1`; `foo=1.0` by `1.0-3` (pkgrel only counts when
 * both sides have one).
 */
export function satisfies(relation: Relation, version: string): boolean {
  if (relation.op === null || relation.version === null) return true;
  const cmp = vercmp(version, relation.version);
  switch (relation.op) {
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case "=":
      return cmp === 0;
    case ">=":
      return cmp >= 0;
    case ">":
      return cmp > 0;
  }
}

/**
 * Whether a provision (`provides = foo=1.2`) satisfies a dependency, as pacman decides it: the
 * names must match; an unversioned dependency takes any provision, a versioned one only a
 * provision with `=` and a version that meets it.
 */
export function provisionSatisfies(dependency: Relation, provision: Relation): boolean {
  if (dependency.name !== provision.name) return false;
  if (dependency.op === null) return true;
  return provision.op === "=" && provision.version !== null && satisfies(dependency, provision.version);
}
