// Arch's name rules, as the single gate for every name that may reach a path, a URL or a shell.
import { Invalid } from "./errors";
import type { Arch, CommitId, NamespaceName, OriginChangeset, Pkgbase, Pkgname } from "./types";

export class InvalidName extends Invalid {
  override name = "InvalidName";
}

// makepkg: alphanumerics and @._+-, not starting with a hyphen or a dot.
const PKGNAME = /^[a-zA-Z0-9@_+][a-zA-Z0-9@._+-]*$/;
// Namespace names go into repository names (buildbtw-<namespace>) and URLs: the same alphabet, bounded.
const NAMESPACE = /^[a-zA-Z0-9@_+][a-zA-Z0-9@._+-]{0,99}$/;
const ARCH = /^[a-zA-Z0-9_]+$/;
const COMMIT = /^[0-9a-f]{40}$/;
// A git ref name, conservatively: no "..", no leading "-" or "/", no control or special characters.
const REF = /^(?!-)(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/+@-]{1,200}$/;

function check<T>(re: RegExp, what: string, value: string, max = 255): T {
  if (value.length > max || !re.test(value) || value === "." || value === "..") {
    throw new InvalidName(`${JSON.stringify(value)} is not a valid ${what}`);
  }
  return value as T;
}

export const parsePkgbase = (v: string): Pkgbase => check<Pkgbase>(PKGNAME, "pkgbase", v);
export const parsePkgname = (v: string): Pkgname => check<Pkgname>(PKGNAME, "pkgname", v);
export const parseNamespaceName = (v: string): NamespaceName =>
  check<NamespaceName>(NAMESPACE, "namespace name (letters, digits, @._+-, at most 100)", v, 100);
export const parseCommitId = (v: string): CommitId => check<CommitId>(COMMIT, "commit id", v);
export const parseRef = (v: string): string => check<string>(REF, "git ref", v, 200);

export function parseArch(v: string): Arch {
  if (v === "any") throw new InvalidName(`"any" is not a concrete architecture`);
  return check<Arch>(ARCH, "architecture", v, 64);
}

/** `pkgbase/ref`, e.g. `openimageio/main` or `python/python-3.14`: the ref may itself contain slashes. */
export function parseOriginChangeset(v: string): OriginChangeset {
  const slash = v.indexOf("/");
  if (slash <= 0 || slash === v.length - 1) {
    throw new InvalidName(`${JSON.stringify(v)} is not an origin changeset; write pkgbase/ref, e.g. zlib/main`);
  }
  return { pkgbase: parsePkgbase(v.slice(0, slash)), ref: parseRef(v.slice(slash + 1)) };
}

export const formatOriginChangeset = (o: OriginChangeset): string => `${o.pkgbase}/${o.ref}`;
