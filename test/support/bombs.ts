// Hostile package files, made without ever holding their unpacked contents in memory.
import { writeFileSync } from "node:fs";
import { buildPackage } from "../../src/pacman";
import { readTar, writeTar } from "../../src/pacman/tar";

const BLOCK = 512;

/** A ustar header for a regular file of `size` bytes (sizes past 8 GiB need pax; callers stay below). */
function fileHeader(path: string, size: number): Uint8Array {
  const header = writeTar([{ path, type: "file", mode: 0o644, mtime: 0, data: new Uint8Array() }]).subarray(0, BLOCK);
  const block = new Uint8Array(header);
  const put = (at: number, value: string) => block.set(new TextEncoder().encode(value), at);
  put(124, `${size.toString(8).padStart(11, "0")}\0`);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/**
 * A real package's metadata entries (.BUILDINFO, .MTREE, .PKGINFO for `meta`) followed by one file of
 * `unpackedBytes` zeros, zstd-compressed by the zstd tool as it streams: a small file that unpacks huge.
 */
export async function writeZstdBomb(path: string, meta: Parameters<typeof buildPackage>[0], unpackedBytes: number) {
  const real = readTar(Bun.zstdDecompressSync(buildPackage(meta)));
  const metadata = writeTar(
    real
      .filter((e) => e.path.startsWith("."))
      .map((e) => ({ path: e.path, type: "file" as const, mode: e.mode, mtime: e.mtime, data: e.data })),
  );
  const head = metadata.subarray(0, metadata.length - 2 * BLOCK);
  const proc = Bun.spawn(["zstd", "-q", "-c"], { stdin: "pipe", stdout: Bun.file(path), stderr: "inherit" });
  proc.stdin.write(head);
  proc.stdin.write(fileHeader("usr/share/zeros", unpackedBytes));
  const chunk = new Uint8Array(4 * 1024 * 1024);
  for (let left = unpackedBytes; left > 0; left -= chunk.length) {
    proc.stdin.write(left >= chunk.length ? chunk : chunk.subarray(0, left));
    await proc.stdin.flush();
  }
  proc.stdin.write(new Uint8Array(2 * BLOCK + ((BLOCK - (unpackedBytes % BLOCK)) % BLOCK)));
  await proc.stdin.end();
  if ((await proc.exited) !== 0) throw new Error("zstd failed writing the bomb");
}

export function writePackage(path: string, meta: Parameters<typeof buildPackage>[0]): void {
  writeFileSync(path, buildPackage(meta));
}

/** Peak resident memory of a process so far (VmHWM), in bytes. */
export async function peakRss(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM for ${pid}`);
  return Number(kb) * 1024;
}
