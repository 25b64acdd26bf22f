// Operating settings of `buildbtw serve`, `gc`, `check` and `backup`: readiness thresholds, the metrics
// listener, retention policy and outgoing webhooks. Environment → `.env` → default, like every setting.
import { z } from "zod";
import { Invalid } from "../core/errors";
import { type Env, environment, parseSettings, pick } from "./env";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `500M`, `1GiB`, `2 GB`, `1048576`: a byte count (binary units whatever the spelling). */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[(m[2] ?? "").toLowerCase()];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}

const bytes = (name: string) =>
  z.string().transform((s, ctx) => {
    const n = parseBytes(s);
    if (n === null) {
      ctx.addIssue({ code: "custom", message: `${name} must be a size like 500M, 2G or a number of bytes` });
      return z.NEVER;
    }
    return n;
  });

const whole = (name: string, min: number) => {
  const sentence = `${name} must be a whole number, at least ${min}`;
  return z.coerce.number({ error: sentence }).int(sentence).min(min, sentence);
};

/** `host:port`, `:port` or `port`; port 0 picks a free one. */
const listen = z
  .string()
  .regex(
    /^(?:(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)?:)?\d{1,5}$/,
    "BUILDBTW_METRICS_LISTEN must be host:port, :port or a port",
  )
  .transform((s) => {
    const i = s.lastIndexOf(":");
    const host = i <= 0 ? "127.0.0.1" : s.slice(0, i).replace(/^\[|\]$/g, "");
    return { host, port: Number(i < 0 ? s : s.slice(i + 1)) };
  });

const urls = z.string().transform((s, ctx) => {
  const list = s
    .split(/[\s,]+/)
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of list) {
    if (!URL.canParse(u) || !/^https?:$/.test(new URL(u).protocol)) {
      ctx.addIssue({ code: "custom", message: `BUILDBTW_WEBHOOK_URLS: ${JSON.stringify(u)} is not an http(s) URL` });
      return z.NEVER;
    }
  }
  return list;
});

const Schema = z.object({
  minFreeDiskBytes: bytes("BUILDBTW_MIN_FREE_DISK"),
  metricsListen: listen.optional(),
  retention: z.object({
    iterations: whole("BUILDBTW_RETENTION_ITERATIONS", 1),
    finishedDays: whole("BUILDBTW_RETENTION_FINISHED_DAYS", 0),
    logDays: whole("BUILDBTW_RETENTION_LOG_DAYS", 0),
    intervalMs: whole("BUILDBTW_RETENTION_INTERVAL_MS", 1000),
  }),
  webhooks: z.object({
    urls,
    secret: z.string().min(16, "BUILDBTW_WEBHOOK_SECRET must be at least 16 characters").optional(),
    maxAttempts: whole("BUILDBTW_WEBHOOK_MAX_ATTEMPTS", 1),
    /** First retry delay; each further one doubles, capped at 10 minutes. */
    retryMs: whole("BUILDBTW_WEBHOOK_RETRY_MS", 10),
  }),
});

export type OperationsConfig = z.infer<typeof Schema>;
export type RetentionPolicy = OperationsConfig["retention"];

export function loadOperationsConfig(env: Env = environment()): OperationsConfig {
  const parsed = parseSettings(
    Schema,
    {
      minFreeDiskBytes: pick(env.BUILDBTW_MIN_FREE_DISK) ?? "1G",
      metricsListen: pick(env.BUILDBTW_METRICS_LISTEN),
      retention: {
        iterations: pick(env.BUILDBTW_RETENTION_ITERATIONS) ?? "3",
        finishedDays: pick(env.BUILDBTW_RETENTION_FINISHED_DAYS) ?? "30",
        logDays: pick(env.BUILDBTW_RETENTION_LOG_DAYS) ?? "90",
        intervalMs: pick(env.BUILDBTW_RETENTION_INTERVAL_MS) ?? "3600000",
      },
      webhooks: {
        urls: pick(env.BUILDBTW_WEBHOOK_URLS) ?? "",
        secret: pick(env.BUILDBTW_WEBHOOK_SECRET),
        maxAttempts: pick(env.BUILDBTW_WEBHOOK_MAX_ATTEMPTS) ?? "8",
        retryMs: pick(env.BUILDBTW_WEBHOOK_RETRY_MS) ?? "5000",
      },
    },
    "operations",
  );
  if (parsed.webhooks.urls.length > 0 && !parsed.webhooks.secret) {
    throw new Invalid(
      "invalid operations settings: BUILDBTW_WEBHOOK_URLS needs BUILDBTW_WEBHOOK_SECRET to sign events",
    );
  }
  return parsed;
}
