// Git's delta format (pack OBJ_OFS_DELTA / OBJ_REF_DELTA payloads): two sizes, then copy and insert instructions.
// Pure: bytes in, bytes out; the caller names the repository when a DeltaError surfaces.

export class DeltaError extends Error {
  override name = "DeltaError";
}

/** Reads a little-endian base-128 size starting at `pos`; returns the value and the next position. */
function readSize(delta: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    if (pos >= delta.length) throw new DeltaError("delta ends inside a size header");
    byte = delta[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}

/** Rebuilds the target object from `base` and a delta; throws DeltaError on any inconsistency. */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array {
  let [baseSize, pos] = readSize(delta, 0);
  if (baseSize !== base.length) throw new DeltaError(`delta expects a base of ${baseSize} bytes, got ${base.length}`);
  let targetSize: number;
  [targetSize, pos] = readSize(delta, pos);
  const out = new Uint8Array(targetSize);
  let written = 0;
  while (pos < delta.length) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      // Copy: bits 0-3 say which offset bytes follow, bits 4-6 which size bytes; absent bytes are zero.
      let offset = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += delta[pos++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) size += delta[pos++]! << (8 * i);
      if (size === 0) size = 0x10000;
      if (pos > delta.length || offset + size > base.length || written + size > targetSize) {
        throw new DeltaError("delta copies outside its base or target");
      }
      out.set(base.subarray(offset, offset + size), written);
      written += size;
    } else if (op !== 0) {
      // Insert: the next `op` bytes of the delta itself.
      if (pos + op > delta.length || written + op > targetSize) throw new DeltaError("delta inserts past its end");
      out.set(delta.subarray(pos, pos + op), written);
      written += op;
      pos += op;
    } else {
      throw new DeltaError("delta contains the reserved instruction 0");
    }
  }
  if (written !== targetSize) throw new DeltaError(`delta produced ${written} bytes, expected ${targetSize}`);
  return out;
}
