// GitLab project paths of Arch package repositories. A project's name is its pkgbase; its path follows
// Arch's convention (devtools, and the predecessor's gitlab_project_name_to_path), because GitLab paths
// allow only letters, digits, `_`, `-` and `.` (no `+`) and reserve some words (src/gitlab/README.md, REST API v4).
import { parsePkgbase } from "../core/names";

// Of GitLab's reserved project names only `tree` is a pkgbase in Arch; devtools maps it like this.
const RESERVED: Record<string, string> = { tree: "unix-tree" };

/**
 * The project path of a pkgbase: a `+` between a word and a letter becomes `-` (`dvd+rw-tools` →
 * `dvd-rw-tools`), any other `+` becomes `plus` (`libc++` → `libcplusplus`), other characters GitLab
 * refuses become `-`, runs of `_`/`-` collapse to one `-`, and reserved names are renamed.
 */
export function projectPathOf(pkgbase: string): string {
  const reserved = RESERVED[pkgbase];
  if (reserved) return reserved;
  return pkgbase
    .replace(/([a-zA-Z0-9]+)\+([a-zA-Z]+)/g, "$1-$2")
    .replace(/\+/g, "plus")
    .replace(/[^a-zA-Z0-9_.-]/g, "-")
    .replace(/[_-]{2,}/g, "-");
}

/** The full path of a pkgbase's project in the packages group `group`. */
export const projectFullPath = (group: string, pkgbase: string): string => `${group}/${projectPathOf(pkgbase)}`;

export type ProjectIdentity = { ok: true; pkgbase: string } | { ok: false; reason: string };

/**
 * The pkgbase a project of the packages group stands for: its name, when that is a valid pkgbase whose
 * path is the project's path. Anything else is not a package repository we can map both ways.
 */
export function pkgbaseOfProject(project: { name: string; path: string }): ProjectIdentity {
  let pkgbase: string;
  try {
    pkgbase = parsePkgbase(project.name);
  } catch (error) {
    return { ok: false, reason: `project name ${JSON.stringify(project.name)} is not a pkgbase (${String(error)})` };
  }
  const expected = projectPathOf(pkgbase);
  if (expected !== project.path) {
    return {
      ok: false,
      reason: `project ${JSON.stringify(project.path)} is named ${pkgbase}, whose path would be ${JSON.stringify(expected)}`,
    };
  }
  return { ok: true, pkgbase };
}
