// Disk hygiene for a worker's work directory. One directory per build (`build-<id>-<random>`): removed
// once its packages are uploaded (or the lease is dropped), kept after a failure so the packager can look,
// for `keepFailedMs`, then swept. Per-namespace chroots (`chroots/<namespace>`, the pkgctl driver's) are
// swept once their namespace has been idle as long. One worker per work directory: the sweep only spares
// what this process is using.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatDuration } from "../lib/duration";
import { messageOf } from "../lib/log";
import { pathInside } from "../lib/paths";

/** Written into a kept build directory; its time is when the build failed. */
export const FAILED_MARKER = "buildbtw-failed.txt";
export const CHROOTS = "chroots";

export interface Removed {
  path: string;
  why: string;
  /** Set when removing it failed (it stays; the next sweep tries again). */
  error?: string;
}

export interface BuildDirs {
  readonly root: string;
  /** How long a failed build's directory is kept (0: removed at once) and an idle chroot survives. */
  readonly keepFailedMs: number;
  /** A fresh directory for this build, spared by sweeps until `release`d. */
  create(buildId: number, namespace: string): Promise<string>;
  /** The build is over: remove its directory, or keep it (with the reason written next to it) when it failed. */
  release(dir: string, end: { keep: false } | { keep: true; reason: string }): Promise<"removed" | "kept">;
  /** Remove expired kept builds, leftovers of builds no longer running, and idle chroots; one failure stops none of the others. */
  sweep(now?: number): Promise<Removed[]>;
}

export function createBuildDirs(root: string, keepFailedMs: number): BuildDirs {
  const busyDirs = new Set<string>();
  const busyNamespaces = new Map<string, number>();
  const namespaceOf = new Map<string, string>();

  return {
    root,
    keepFailedMs,
    async create(buildId, namespace) {
      // The name is reserved before the directory exists, so a sweep running meanwhile never takes it.
      const dir = pathInside(root, `build-${buildId}-${randomBytes(4).toString("hex")}`);
      busyDirs.add(dir);
      namespaceOf.set(dir, namespace);
      busyNamespaces.set(namespace, (busyNamespaces.get(namespace) ?? 0) + 1);
      try {
        await mkdir(dir, { mode: 0o700 });
      } catch (error) {
        forget(dir);
        throw error;
      }
      return dir;
    },
    async release(dir, end) {
      try {
        if (end.keep && keepFailedMs > 0) {
          await writeFile(
            join(dir, FAILED_MARKER),
            `failed at ${new Date().toISOString()}: ${end.reason}\nremoved after ${formatDuration(keepFailedMs)}\n`,
          );
          return "kept";
        }
        await rm(dir, { recursive: true, force: true });
        return "removed";
      } finally {
        forget(dir);
      }
    },
    async sweep(now = Date.now()) {
      const removed: Removed[] = [];
      const remove = async (path: string, why: string) => {
        try {
          await rm(path, { recursive: true, force: true });
          removed.push({ path, why });
        } catch (error) {
          removed.push({ path, why, error: messageOf(error) });
        }
      };
      for (const name of await list(root)) {
        if (!name.startsWith("build-")) continue;
        const dir = join(root, name);
        if (busyDirs.has(dir)) continue;
        const marker = await stat(join(dir, FAILED_MARKER)).catch(() => null);
        if (marker === null) await remove(dir, "left by a build that is no longer running");
        else if (now - marker.mtimeMs >= keepFailedMs)
          await remove(dir, `failed build kept since ${marker.mtime.toISOString()}`);
      }
      const chroots = join(root, CHROOTS);
      for (const name of await list(chroots)) {
        if (busyNamespaces.has(name)) continue;
        const dir = join(chroots, name);
        const info = await stat(dir).catch(() => null);
        if (info?.isDirectory() && now - info.mtimeMs >= keepFailedMs)
          await remove(dir, `chroot of namespace ${name}, unused since ${info.mtime.toISOString()}`);
      }
      return removed;
    },
  };

  function forget(dir: string): void {
    busyDirs.delete(dir);
    const namespace = namespaceOf.get(dir);
    namespaceOf.delete(dir);
    if (namespace === undefined) return;
    const count = (busyNamespaces.get(namespace) ?? 1) - 1;
    if (count <= 0) busyNamespaces.delete(namespace);
    else busyNamespaces.set(namespace, count);
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
