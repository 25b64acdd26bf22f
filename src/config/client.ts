// Client command settings (new, list, show, …): flag → environment → .env → default (README.md, Settings).
import { z } from "zod";
import { credentialsFile, storedToken } from "../client/credentials";
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
export type ClientConfig = z.infer<typeof Schema> & { tokenFrom: "flag" | "env" | "login" | null };

/** The token: --token, then BUILDBTW_TOKEN, then the one `buildbtw auth login` stored for this server. */
export function loadClientConfig(flags: ClientFlags, env: Env = environment()): ClientConfig {
  const serverUrl = (pick(flags["server-url"], env.SERVER_URL) ?? "http://localhost:8080").replace(/\/+$/, "");
  const given = pick(flags.token, env.BUILDBTW_TOKEN);
  const tokenFrom = pick(flags.token) ? "flag" : pick(env.BUILDBTW_TOKEN) ? "env" : null;
  const stored = given === undefined ? storedToken(serverUrl, credentialsFile(env)) : null;
  const parsed = parseSettings(Schema, { serverUrl, token: given ?? stored?.token }, "client", {
    serverUrl: "SERVER_URL (--server-url)",
    token: "BUILDBTW_TOKEN (--token)",
  });
  return { ...parsed, serverUrl, tokenFrom: stored ? "login" : tokenFrom };
}

/** The citty args every client command shares. */
export const clientFlags = {
  "server-url": { type: "string", description: "buildbtw server URL (env SERVER_URL; default http://localhost:8080)" },
  token: { type: "string", description: "API token (env BUILDBTW_TOKEN); needed for changes, not for reading" },
} as const;

export const printableClientConfig = (c: ClientConfig) => redacted(c, ["token"]);
