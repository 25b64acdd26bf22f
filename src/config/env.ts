// Settings resolve flag → environment → `.env` → default (README.md, Settings). Nothing here runs at import time.
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { Invalid } from "../core/errors";
import { parseDuration } from "../lib/duration";

export type Env = Record<string, string | undefined>;

/** Parse a dotenv file: KEY=value lines, `#` comments, optional `export `, single or double quotes. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? "";
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? "";
    else value = value.replace(/\s+#.*$/, "");
    out[m[1] as string] = value;
  }
  return out;
}

/** The process environment over the `.env` of the working directory (the environment wins). */
export function environment(processEnv: Env = process.env, dotenvPath = ".env"): Env {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath, "utf8")) : {};
  return { ...fromFile, ...processEnv };
}

/** Pick the first defined of flag, env values; empty strings count as unset. */
export function pick(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== "");
}

/** A message that starts with the variable it is about (`BUILDBTW_TOKEN is not set`) needs no name before it. */
const NAMES_ITS_VARIABLE = /^[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/;

/**
 * How a user sets each field of a settings schema, by field (`serverUrl`) or path (`vmexec.image`):
 * `SERVER_URL (--server)`. Errors name the setting this way instead of by the field.
 */
export type SettingNames = Record<string, string>;

/**
 * Validate a settings object with zod; the error names every bad setting in one sentence: by the variable its
 * message starts with or mentions, else by how `names` says it is set, else by its path in the settings.
 */
export function parseSettings<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  mode: string,
  names: SettingNames = {},
): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const path = i.path.map(String);
    const name = names[path.join(".")] ?? names[path[0] ?? ""];
    const variable = name?.split(" ")[0];
    if (NAMES_ITS_VARIABLE.test(i.message) || (variable && i.message.includes(variable))) return i.message;
    return `${name ?? (path.join(".") || "settings")}: ${i.message}`;
  });
  throw new Invalid(`invalid ${mode} settings: ${problems.join("; ")}`);
}

/** `sqlite:./data/buildbtw.sqlite` or a plain path → the file path. */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.replace(/^sqlite:(\/\/)?/, "");
}

/** Redact secrets when settings are printed or logged. */
export function redacted<T extends Record<string, unknown>>(settings: T, secretKeys: (keyof T)[]): T {
  const copy = { ...settings };
  for (const k of secretKeys) if (copy[k] !== undefined) (copy as Record<keyof T, unknown>)[k] = "[redacted]";
  return copy;
}

/** A positive duration setting (lib/duration.ts), in milliseconds; `examples` go into the message, e.g. "90m, 4h". */
export const durationSetting = (examples: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null || ms <= 0) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(text)} is not a duration: write e.g. ${examples} or seconds`,
      });
      return z.NEVER;
    }
    return ms;
  });
