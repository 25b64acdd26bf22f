// Checks of the names and values the client commands take on the command line: each returns the typed value
// or throws Invalid with a sentence saying what was expected.
import { Invalid } from "../core/errors";
import { parseArch, parseNamespaceName, parseOriginChangeset, parsePkgbase } from "../core/names";
import type { Arch, IncludeKind, NamespaceName, Pkgbase } from "../core/types";

export function namespaceArg(value: string | undefined): NamespaceName {
  if (value === undefined || value === "") throw new Invalid("name the namespace, e.g. zlib");
  return parseNamespaceName(value);
}

export const pkgbaseArg = (value: string): Pkgbase => parsePkgbase(value);

export const archArg = (value: string | undefined): Arch | undefined =>
  value === undefined ? undefined : parseArch(value);

export function iterationArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(value))
    throw new Invalid(`--iteration takes an iteration id (a positive number), not ${JSON.stringify(value)}`);
  return Number(value);
}

/** `ORIGIN…` as typed: each must be pkgbase/ref; the server checks that they exist. */
export function originArgs(values: string[]): string[] {
  if (values.length === 0) throw new Invalid("name at least one origin changeset, e.g. zlib/main");
  for (const v of values) parseOriginChangeset(v);
  return values;
}

export function includeArg(raw: string | undefined): IncludeKind[] {
  if (!raw) return [];
  const kinds = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (k !== "makedepends" && k !== "checkdepends") {
      throw new Invalid(`--include takes makedepends and/or checkdepends, not ${JSON.stringify(k)}`);
    }
  }
  return [...new Set(kinds)] as IncludeKind[];
}
