// Logging settings, shared by the modes that log (serve, worker): BUILDBTW_LOG_FORMAT and BUILDBTW_LOG_LEVEL,
// environment → .env → default like every setting.
import { z } from "zod";
import type { LogSettings } from "../lib/log";
import { type Env, parseSettings, pick } from "./env";

const Schema = z.object({
  format: z
    .enum(["pretty", "json"], { error: "BUILDBTW_LOG_FORMAT must be pretty or json (unset: pretty on a terminal)" })
    .optional(),
  level: z.enum(["debug", "info", "warn"], { error: "BUILDBTW_LOG_LEVEL must be debug, info or warn" }),
});

export type LogConfig = LogSettings;

export function loadLogConfig(env: Env): LogConfig {
  const parsed = parseSettings(
    Schema,
    {
      format: pick(env.BUILDBTW_LOG_FORMAT)?.toLowerCase(),
      level: (pick(env.BUILDBTW_LOG_LEVEL) ?? "info").toLowerCase(),
    },
    "logging",
  );
  return { format: parsed.format ?? null, level: parsed.level };
}
