// HTTP Range for files and logs: one byte range (pacman resumes downloads, log readers follow a log).
// A malformed header is a 400 with a sentence rather than silently the whole file.
import { Invalid } from "../../core/errors";

export type RangeAnswer =
  | { kind: "whole" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

const SPEC = /^bytes=(\d{0,15})-(\d{0,15})$/;

/** The byte range `header` asks of a resource of `size` bytes (`end` inclusive). */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: "whole" };
  const m = SPEC.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) {
    throw new Invalid(
      header.includes(",")
        ? "the Range header asks for several ranges; ask for one, like bytes=0-1023"
        : "the Range header must be one byte range, like bytes=0-1023, bytes=1024- or bytes=-512",
    );
  }
  const [first, last] = [m[1] ?? "", m[2] ?? ""];
  if (first !== "" && last !== "" && Number(last) < Number(first))
    throw new Invalid("the Range header's last byte comes before its first");
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}
