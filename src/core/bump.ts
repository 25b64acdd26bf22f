// Rebuild bumps: a namespace's rebuilds (nodes whose pkgbase is not an origin) are built with their pkgrel
// raised the way `pkgctl build --rebuild` raises it, so pacman on a tester's machine upgrades to them and
// they can be released as built. The server decides the bump once per node; every builder (and
// `buildbtw download --into`) applies exactly that bump to the PKGBUILD and .SRCINFO of the commit.

import { Invalid } from "./errors";
import { formatVersion } from "./package-file";
import type { Version } from "./types";

/** How a namespace builds its rebuilds: bumped (the default), or as committed (for namespaces that only test). */
export const BUMP_MODES = ["rebuild", "none"] as const;
export type BumpMode = (typeof BUMP_MODES)[number];

/** The committed pkgrel and the one the build writes in its place. */
export interface PkgrelBump {
  from: string;
  to: string;
}

/** devtools' rebuild bump: the integer part plus one (`1` → `2`, `2.1` → `3`). */
export function bumpedPkgrel(pkgrel: string): string {
  const integer = /^([0-9]+)(\.[0-9]+)?$/.exec(pkgrel);
  if (!integer) throw new NonStandardPkgrel(`non-standard pkgrel ${JSON.stringify(pkgrel)}: not N or N.M`);
  return String(Number(integer[1]) + 1);
}

/** The bump a node gets: none for an origin (the packager's version) or when the namespace does not bump. */
export function decideBump(version: Version, isOrigin: boolean, mode: BumpMode): PkgrelBump | null {
  if (isOrigin || mode === "none") return null;
  return { from: version.pkgrel, to: bumpedPkgrel(version.pkgrel) };
}

/** The version a build produces: the committed one with the bump applied. */
export const bumpedVersion = (committed: Version, bump: PkgrelBump | null | undefined): Version =>
  bump ? { ...committed, pkgrel: bump.to } : committed;

/** `1.0-1 → 1.0-2 (rebuild)`, or just `1.0-1` when the build is not bumped. */
export function describeVersion(committed: Version, bump: PkgrelBump | null | undefined): string {
  const from = formatVersion(committed);
  return bump ? `${from} → ${formatVersion(bumpedVersion(committed, bump))} (rebuild)` : from;
}

/** The PKGBUILD declares its pkgrel in a way the bump cannot rewrite; the build fails with this sentence. */
export class NonStandardPkgrel extends Invalid {
  override name = "NonStandardPkgrel";
}

/**
 * The PKGBUILD with its `pkgrel=FROM` line(s) rewritten to `pkgrel=TO`. Like devtools, only a plain
 * `pkgrel=VALUE` line at the start of a line is accepted: quoted, computed or missing declarations fail.
 */
export function bumpPkgbuild(text: string, bump: PkgrelBump): string {
  const lines = text.split("\n");
  const plain = `pkgrel=${bump.from}`;
  let found = false;
  const out = lines.map((line) => {
    if (line.replace(/\r$/, "") !== plain) return line;
    found = true;
    return `pkgrel=${bump.to}${line.endsWith("\r") ? "\r" : ""}`;
  });
  if (!found) {
    const declared = lines.find((l) => /^\s*pkgrel=/.test(l));
    throw new NonStandardPkgrel(
      `non-standard pkgrel declaration: the PKGBUILD has no line \`${plain}\`${declared ? ` (it has \`${declared.trim()}\`)` : ""}, so the rebuild's pkgrel bump to ${bump.to} cannot be applied`,
    );
  }
  return out.join("\n");
}

/** The .SRCINFO with the pkgbase's `pkgrel = FROM` rewritten, as `makepkg --printsrcinfo` prints the bumped PKGBUILD. */
export function bumpSrcinfo(text: string, bump: PkgrelBump): string {
  let found = false;
  const out = text.split("\n").map((line) => {
    const m = /^(\s*)pkgrel = (.*?)(\r?)$/.exec(line);
    if (!m || m[2] !== bump.from) return line;
    found = true;
    return `${m[1]}pkgrel = ${bump.to}${m[3]}`;
  });
  if (!found) throw new NonStandardPkgrel(`the .SRCINFO has no \`pkgrel = ${bump.from}\` line to bump`);
  return out.join("\n");
}
