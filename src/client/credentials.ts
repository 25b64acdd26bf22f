// The CLI's stored credentials: one personal token per server, in $XDG_CONFIG_HOME/buildbtw/credentials.json
// (default ~/.config), readable only by its owner (0600, in a 0700 directory). --token and BUILDBTW_TOKEN win.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

const Stored = z.record(
  z.string(),
  z.object({ token: z.string().min(1), user: z.string().optional(), saved_at: z.string() }),
);
type Stored = z.infer<typeof Stored>;

export function credentialsFile(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "buildbtw", "credentials.json");
}

function readAll(file: string): Stored {
  if (!existsSync(file)) return {};
  const parsed = Stored.safeParse(JSON.parse(readFileSync(file, "utf8")));
  return parsed.success ? parsed.data : {};
}

function writeAll(file: string, all: Stored): void {
  const dir = join(file, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function storedToken(serverUrl: string, file = credentialsFile()): { token: string; user?: string } | null {
  return readAll(file)[serverUrl] ?? null;
}

export function storeToken(serverUrl: string, token: string, user: string | undefined, file = credentialsFile()): void {
  writeAll(file, { ...readAll(file), [serverUrl]: { token, user, saved_at: new Date().toISOString() } });
}

/** Forget the server's token; returns whether there was one. */
export function forgetToken(serverUrl: string, file = credentialsFile()): boolean {
  const all = readAll(file);
  if (!all[serverUrl]) return false;
  delete all[serverUrl];
  writeAll(file, all);
  return true;
}
