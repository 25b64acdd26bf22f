// What every command shares: one line on stderr and exit 1 for expected failures, JSON to stdout.
import { isExpected, messageOf } from "../core/errors";

/**
 * Run a command body: its return value is the exit code (default 0). Expected failures print
 * `buildbtw: <sentence>` on stderr and exit 1; unexpected ones print the stack only with BUILDBTW_DEBUG.
 */
export async function execute(body: () => Promise<number | undefined> | number | undefined): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    if (isExpected(error)) {
      process.stderr.write(`buildbtw: ${messageOf(error)}\n`);
    } else {
      process.stderr.write(`buildbtw: internal error: ${messageOf(error)}\n`);
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

/** Flags of the commands run on the server host, which open the server's database directly. */
export const serverHostFlags = {
  "database-url": { type: "string", description: "SQLite database (DATABASE_URL)" },
  "data-dir": { type: "string", description: "State directory (DATA_DIR)" },
} as const;

export const jsonFlag = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout", default: false },
} as const;
