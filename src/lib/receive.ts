// Receiving a large request body: streamed to a temporary file and hashed on the way, never held in memory.
// The size limit is enforced as bytes arrive, so an oversized body is refused without reading the rest.
import { randomUUID } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { DiskFull, Invalid, TooLarge } from "../core/errors";

export interface ReceivedFile {
  /** A temporary file under the receiving directory; the caller moves it into place or removes it. */
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

/** Temporary upload files start with this; the startup sweep removes any a crash left behind. */
export const RECEIVING_PREFIX = "upload-";

/** True for the errors a full disk (or quota) raises, from the file system or from SQLite. */
export function isDiskFull(error: unknown): boolean {
  if (error instanceof DiskFull) return true;
  const code = (error as { code?: string } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL";
}

export const diskFull = () =>
  new DiskFull("the server's disk is full; nothing was stored, try again when an operator has freed space");

/** A byte count as people read it: 16 GiB, 64 MiB, 512 KiB, 100 bytes. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/**
 * Write `body` to a new file in `dir`, hashing it; refuse it once it passes `limit` bytes (the temporary
 * file is removed on every failure). A Content-Length over the limit is refused before reading anything.
 */
export async function receiveToFile(
  body: ReadableStream<Uint8Array> | null,
  dir: string,
  limit: number,
  declaredLength: string | undefined,
  what = "the upload",
): Promise<ReceivedFile> {
  const tooLarge = () => new TooLarge(`${what} is larger than the limit of ${formatBytes(limit)}`);
  if (declaredLength !== undefined && Number(declaredLength) > limit) throw tooLarge();
  if (!body) throw new Invalid(`${what} is empty`);
  const path = join(dir, `${RECEIVING_PREFIX}${randomUUID()}`);
  const sha256 = new Bun.CryptoHasher("sha256");
  const md5 = new Bun.CryptoHasher("md5");
  let size = 0;
  const reader = body.getReader();
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(path, "wx", 0o644);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limit) throw tooLarge();
        sha256.update(value);
        md5.update(value);
        let written = 0;
        while (written < value.byteLength) {
          const r = await handle.write(value, written, value.byteLength - written);
          written += r.bytesWritten;
        }
      }
    } finally {
      await handle.close();
    }
    if (size === 0) throw new Invalid(`${what} is empty`);
    return { path, size, sha256: sha256.digest("hex"), md5: md5.digest("hex") };
  } catch (error) {
    await reader.cancel().catch(() => {});
    await rm(path, { force: true });
    if (isDiskFull(error)) throw diskFull();
    throw error;
  }
}
