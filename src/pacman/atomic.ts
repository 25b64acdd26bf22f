// Files appear whole or not at all: written under a temporary name in the same directory, flushed, then renamed over
// the real name (README.md, Architecture: rules for every part: a crash at any moment loses nothing committed).
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { pathInside } from "../lib/paths";

/** Temporary files start with this, so a sweeper (or a human) can tell leftovers of a crash from real files. */
export const TEMP_PREFIX = ".buildbtw-tmp-";

/**
 * Write `bytes` to `dir/name` atomically; `name` must stay inside `dir`. Returns the final path.
 * `durable: false` skips the flushes, for files derived from committed state (still whole-or-nothing).
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  bytes: Uint8Array,
  options: { durable?: boolean } = {},
): Promise<string> {
  const durable = options.durable ?? true;
  const target = pathInside(dir, name);
  // Not derived from `name`: the temporary name must fit even when `name` is as long as names may be.
  const temp = pathInside(dir, `${TEMP_PREFIX}${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(bytes);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(dir);
  return target;
}

/** Move the file at `from` (on the same file system) to `dir/name` durably: flushed, renamed, directory flushed. */
export async function moveFileAtomic(from: string, dir: string, name: string): Promise<string> {
  const target = pathInside(dir, name);
  await mkdir(dir, { recursive: true });
  const handle = await open(from, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(from, target);
  await syncDirectory(dir);
  return target;
}

// The rename itself is only durable once the directory is flushed.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
