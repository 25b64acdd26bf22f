// Free space on the filesystem holding a path, as an unprivileged process may use it (statfs bavail).
import { statfsSync } from "node:fs";

export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}
