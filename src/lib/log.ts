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

/** How to log (config/log.ts loads it from BUILDBTW_LOG_FORMAT and BUILDBTW_LOG_LEVEL). */
export interface LogSettings {
  /** null: pretty on a terminal, JSON lines otherwise. */
  format: "pretty" | "json" | null;
  level: "debug" | "info" | "warn";
}

/** Human output on a terminal, JSON lines when stderr is not a TTY or the format says json. */
export function createLogger(tag: string, settings: LogSettings = { format: null, level: "info" }): ConsolaInstance {
  const json = settings.format === "json" || (settings.format === null && !process.stderr.isTTY);
  const level = { debug: 4, info: 3, warn: 1 }[settings.level];
  return createConsola({ level, ...(json ? { reporters: [jsonReporter()] } : {}), stdout: process.stderr }).withTag(
    tag,
  );
}

export type Logger = ConsolaInstance;

/** The message of anything thrown, for a log line or a reason: an Error's message, anything else as text. */
// The one messageOf (core/errors), re-exported for the loops and workers that log errors.
export { messageOf } from "../core/errors";
