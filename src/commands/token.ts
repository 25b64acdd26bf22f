// `buildbtw token create|list|revoke`: bot tokens, on the server host (talks to the database directly, so it
// works before anyone can log in). Every change is written to the audit log as done by the host's user.
import { userInfo } from "node:os";
import { defineCommand } from "citty";
import { loadServerConfig } from "../config/server";
import { isScope, SCOPES, type Scope } from "../core/access";
import { Invalid, NotFound } from "../core/errors";
import type { TokenRecord } from "../core/records";
import { insertAudit } from "../db/audit";
import { findLiveBotToken, getToken, listTokens, revokeToken } from "../db/identity";
import { type Db, openDatabase } from "../db/open";
import { expiryFrom, tokenJson } from "../server/http/identity";
import { createBotToken } from "../server/usecases/manage-tokens";
import { execute, jsonFlag, printJson, printLines, serverHostFlags } from "./support";

const hostActor = () => `${userInfo().username}@host`;

function withDb<T>(args: { "database-url"?: string; "data-dir"?: string }, fn: (db: Db) => T): T {
  const db = openDatabase(loadServerConfig(args).databasePath);
  try {
    return fn(db);
  } finally {
    db.$client.close();
  }
}

function audit(db: Db, action: string, target: string): void {
  insertAudit(db, {
    actor: hostActor(),
    actorKind: "host",
    action,
    target,
    result: "ok",
    status: 200,
    remoteAddress: null,
    detail: null,
    at: new Date().toISOString(),
  });
}

export function parseScopes(raw: string | undefined): Scope[] {
  const given = (raw ?? "")
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of given)
    if (!isScope(s)) throw new Invalid(`${JSON.stringify(s)} is not a scope; scopes are ${SCOPES.join(", ")}`);
  return given as Scope[];
}

const create = defineCommand({
  meta: {
    name: "create",
    description: "Create a bot token (run on the server host; talks to the database). Prints the token once",
  },
  args: {
    bot: { type: "string", description: "Bot name (letters, digits, @._+-)" },
    scope: { type: "string", description: `Comma-separated scopes: ${SCOPES.join(", ")}` },
    worker: { type: "string", description: "Shorthand for --bot NAME --scope worker" },
    expires: { type: "string", description: "Expire after 30d, 12h, 90m, or at a date (default: never)" },
    rotate: {
      type: "boolean",
      description: "Revoke the live token of the same name and make a new one",
      default: false,
    },
    ...serverHostFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(() => {
      const name = args.bot ?? args.worker;
      if (!name) throw new Invalid("name the token: --bot NAME --scope SCOPES, or --worker NAME");
      if (args.bot && args.worker) throw new Invalid("give --bot or --worker, not both");
      const scopes = args.worker ? ["worker" as const, ...parseScopes(args.scope)] : parseScopes(args.scope);
      if (scopes.length === 0) throw new Invalid(`give the bot at least one --scope (${SCOPES.join(", ")})`);
      const expiresAt = expiryFrom(args.expires, Date.now());
      const { token, record } = withDb(args, (db) => {
        const made = createBotToken(
          { db, now: Date.now },
          { name, scopes, expiresAt, rotate: args.rotate },
          hostActor(),
        );
        audit(db, "token.create", `token ${name}`);
        return made;
      });
      if (args.json) {
        printJson({ token, ...tokenJson(record), worker: args.worker ? name : undefined });
      } else {
        process.stderr.write(
          `Token for bot ${name} (${record.scopes.join(", ")}; shown once; give it to the ${args.worker ? "worker" : "bot"} as BUILDBTW_TOKEN):\n`,
        );
        process.stdout.write(`${token}\n`);
      }
      return 0;
    }),
});

const describe = (t: TokenRecord): string => {
  const state = t.revokedAt
    ? `revoked ${t.revokedAt} by ${t.revokedBy}`
    : t.expiresAt
      ? `expires ${t.expiresAt}`
      : "no expiry";
  const what = t.kind === "bot" ? t.scopes.join(",") : `personal (user ${t.userId})`;
  return `${String(t.id).padStart(4)}  ${t.name.padEnd(20)} ${what.padEnd(24)} ${state}; last used ${t.lastUsedAt ?? "never"}`;
};

const list = defineCommand({
  meta: { name: "list", description: "List tokens with their scopes, expiry, revocation and last use (server host)" },
  args: { ...serverHostFlags, ...jsonFlag },
  run: ({ args }) =>
    execute(() => {
      const tokens = withDb(args, (db) => listTokens(db));
      if (args.json) printJson({ tokens: tokens.map(tokenJson) });
      else printLines(tokens.map(describe));
      return 0;
    }),
});

const revoke = defineCommand({
  meta: { name: "revoke", description: "Revoke a token by id, or the live bot token of a name (server host)" },
  args: {
    token: { type: "positional", description: "Token id or bot name", required: true },
    ...serverHostFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(() => {
      const revoked = withDb(args, (db) => {
        const t = /^\d+$/.test(args.token) ? getToken(db, Number(args.token)) : findLiveBotToken(db, args.token);
        if (!t) throw new NotFound(`no token ${args.token}`);
        if (t.revokedAt) throw new Invalid(`token ${t.id} (${t.name}) is already revoked`);
        revokeToken(db, t.id, hostActor(), new Date().toISOString());
        audit(db, "token.revoke", `token ${t.name}`);
        return getToken(db, t.id)!;
      });
      if (args.json) printJson(tokenJson(revoked));
      else process.stderr.write(`Revoked token ${revoked.id} (${revoked.name}).\n`);
      return 0;
    }),
});

export default defineCommand({
  meta: { name: "token", description: "Manage bot tokens (worker, namespaces:write, executor, metrics, admin)" },
  subCommands: { create, list, revoke },
});
