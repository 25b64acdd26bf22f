// Every path built from an outside name goes through here: join, then prove it stayed inside its root.

import { isAbsolute, relative, resolve } from "node:path";
import { Invalid } from "../core/errors";

export class PathEscape extends Invalid {
  override name = "PathEscape";
}

/** Join `parts` under `root` and refuse any result outside it (`..`, absolute parts, empty names). */
export function pathInside(root: string, ...parts: string[]): string {
  for (const p of parts) {
    if (p === "" || p.includes("\0")) throw new PathEscape(`refusing empty or NUL path component under ${root}`);
  }
  const base = resolve(root);
  const full = resolve(base, ...parts);
  const rel = relative(base, full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new PathEscape(`${JSON.stringify(parts.join("/"))} escapes ${root}`);
  }
  return full;
}
