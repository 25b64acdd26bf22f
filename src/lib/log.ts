// Logging: consola for humans on a TTY, one JSON line per event otherwise (README.md, Architecture).
import { type ConsolaInstance, createConsola, type LogObject } from "consola";

export type Fields = Record<string, unknown>;

function jsonReporter() {
  return {
    log(entry: LogObject) {
      const [message, ...rest] = entry.args;
      const fields = rest.find((a): a is Fields => typeof a === "object" && a !== null) ?? {};
      const line = JSON.stringify({
        time: entry.date.toISOString(),
        level: entry.type,
        msg: String(message),
        ...fields,
      });
      process.stderr.write(`${line}\n`);
    },
  };
}

/** Human output on a terminal, JSON lines when stderr is not a TTY or BUILDBTW_LOG_FORMAT=json. */
export function createLogger(tag: string, env: Record<string, string | undefined> = process.env): ConsolaInstance {
  const json = env.BUILDBTW_LOG_FORMAT === "json" || (env.BUILDBTW_LOG_FORMAT !== "pretty" && !process.stderr.isTTY);
  const level = env.BUILDBTW_LOG_LEVEL === "debug" ? 4 : env.BUILDBTW_LOG_LEVEL === "warn" ? 1 : 3;
  return createConsola({ level, ...(json ? { reporters: [jsonReporter()] } : {}), stdout: process.stderr }).withTag(
    tag,
  );
}

export type Logger = ConsolaInstance;

/** The message of anything thrown, for a log line or a reason: an Error's message, anything else as text. */
// The one messageOf (core/errors), re-exported for the loops and workers that log errors.
export { messageOf } from "../core/errors";
