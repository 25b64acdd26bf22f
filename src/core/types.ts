// The words of src/core/README.md as types. Pure: no effects, no imports with effects.

declare const brand: unique symbol;
/** A string that has passed the check its brand names. Create only via the parsers in core/names.ts. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type Pkgbase = Brand<string, "Pkgbase">;
export type Pkgname = Brand<string, "Pkgname">;
export type NamespaceName = Brand<string, "NamespaceName">;
/** A full 40-hex git object id. */
export type CommitId = Brand<string, "CommitId">;
/** A concrete architecture (x86_64, aarch64, …) — never `any`. */
export type Arch = Brand<string, "Arch">;

export const DEFAULT_ARCH = "x86_64" as Arch;

/** The relation keywords of .SRCINFO, in the order tools print them. */
export const RELATION_KEYS = [
  "depends",
  "makedepends",
  "checkdepends",
  "optdepends",
  "provides",
  "conflicts",
  "replaces",
] as const;
export type RelationKey = (typeof RELATION_KEYS)[number];
/** Relation strings exactly as written in .SRCINFO (`libfoo.so=1-64`, `python>=3.12`, `python: bindings`). */
export type RelationLists = Record<RelationKey, string[]>;

export type RelationOp = "<" | "<=" | "=" | ">=" | ">";
export interface Relation {
  name: string;
  op: RelationOp | null;
  version: string | null;
}

export interface Version {
  epoch: string | null;
  pkgver: string;
  pkgrel: string;
}

/** One pkgname section with the pkgbase's values inherited and overrides applied (not yet merged for an arch). */
export interface SrcinfoPackage extends RelationLists {
  pkgname: string;
  /** Effective arch list: the package's own if its section sets one, else the pkgbase's. */
  arch: string[];
  /** Effective `_<arch>` suffixed lists, keyed by architecture; empty lists omitted. */
  archSpecific: Record<string, Partial<RelationLists>>;
}

export interface Srcinfo {
  pkgbase: string;
  version: Version;
  /** The pkgbase's arch values in file order. */
  arch: string[];
  packages: SrcinfoPackage[];
}

/** A package as it is built for one concrete architecture: generic lists followed by that arch's lists. */
export interface MergedPackage extends RelationLists {
  pkgname: string;
  /** The package's own architecture list (after override), e.g. ["any"] or ["x86_64","aarch64"]. */
  arch: string[];
}

/** One pkgbase as read from its source repository at some ref. */
export interface SourceEntry {
  pkgbase: Pkgbase;
  ref: string;
  commit: CommitId;
  srcinfo: Srcinfo;
}

export type EdgeKind = "depends" | "makedepends" | "checkdepends";
/** Which extra dependency kinds widen membership (src/core/README.md, Build graph, step 3). */
export type IncludeKind = "makedepends" | "checkdepends";

export interface OriginChangeset {
  pkgbase: Pkgbase;
  ref: string;
}
