// What every command shares: one line on stderr and exit 1 for expected failures, JSON to stdout.
import { DomainError } from "../core/errors";

/** Errors whose message is already one sentence for the user; anything else is a bug and says so. */
function isUserFacing(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (error instanceof DomainError) return true;
  // Adapters' and parsers' own typed errors (InvalidName, PathEscape, SrcinfoError, UnknownRef, …).
  return error.name !== "Error" && error.name !== "TypeError" && error.name !== "RangeError";
}

/**
 * Run a command body: its return value is the exit code (default 0). Expected failures print
 * `buildbtw: <sentence>` on stderr and exit 1; unexpected ones print the stack only with BUILDBTW_DEBUG.
 */
export async function execute(body: () => Promise<number | undefined> | number | undefined): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    if (isUserFacing(error)) {
      process.stderr.write(`buildbtw: ${error.message}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`buildbtw: internal error: ${message}\n`);
      if (process.env.BUILDBTW_DEBUG) console.error(error);
    }
    process.exitCode = 1;
  }
}

/** `--json` output: the API's JSON, pretty-printed, on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human-readable lines go to stdout only when they are the command's product; progress goes to stderr. */
export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

export const jsonFlag = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout", default: false },
} as const;
