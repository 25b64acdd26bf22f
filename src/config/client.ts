// Client command settings (new, list, show, …): flag → environment → .env → default (README.md, Settings).
import { z } from "zod";
import { type Env, environment, parseSettings, pick, redacted } from "./env";

export interface ClientFlags {
  "server-url"?: string;
  token?: string;
}

const Schema = z.object({
  serverUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
  /** Only mutating calls need it (the admin token); reading is public. */
  token: z.string().min(1).optional(),
});
export type ClientConfig = z.infer<typeof Schema>;

export function loadClientConfig(flags: ClientFlags, env: Env = environment()): ClientConfig {
  const parsed = parseSettings(
    Schema,
    {
      serverUrl: pick(flags["server-url"], env.SERVER_URL) ?? "http://localhost:8080",
      token: pick(flags.token, env.BUILDBTW_TOKEN),
    },
    "client",
  );
  return { ...parsed, serverUrl: parsed.serverUrl.replace(/\/+$/, "") };
}

/** The citty args every client command shares. */
export const clientFlags = {
  "server-url": { type: "string", description: "buildbtw server URL (env SERVER_URL; default http://localhost:8080)" },
  token: { type: "string", description: "API token (env BUILDBTW_TOKEN); needed for changes, not for reading" },
} as const;

export const printableClientConfig = (c: ClientConfig) => redacted(c, ["token"]);
