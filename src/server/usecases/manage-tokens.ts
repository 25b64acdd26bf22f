// Personal and bot tokens: made (the secret is returned once and only its hash kept), listed, revoked.
import { actorName, type Principal, type Scope } from "../../core/access";
import { Forbidden, Invalid, NotFound } from "../../core/errors";
import type { TokenRecord } from "../../core/records";
import { findLiveBotToken, getToken, getUser, insertToken, listTokens, revokeToken } from "../../db/identity";
import { inTransaction } from "../../db/tx";
import { ensureWorker } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { hashToken, newToken } from "../tokens";
import { isoNow } from "./build-lifecycle";

const NAME = /^[A-Za-z0-9@._+-]{1,64}$/;

export function checkTokenName(name: string): string {
  if (!NAME.test(name))
    throw new Invalid(`${JSON.stringify(name)} is not a valid token name (1-64 letters, digits, @._+-)`);
  return name;
}

/** A bot token; with `rotate`, an existing live bot token of the same name is revoked in the same step. */
export function createBotToken(
  deps: Pick<ServerDeps, "db" | "now">,
  v: { name: string; scopes: Scope[]; expiresAt: string | null; rotate?: boolean },
  by: string,
): { token: string; record: TokenRecord } {
  checkTokenName(v.name);
  if (v.scopes.length === 0) throw new Invalid("a bot token needs at least one scope");
  const token = newToken("bot");
  const record = inTransaction(deps.db, () => {
    const existing = findLiveBotToken(deps.db, v.name);
    if (existing && !v.rotate)
      throw new Invalid(`a bot token named ${v.name} already exists; revoke it first or pass --rotate to replace it`);
    if (existing) revokeToken(deps.db, existing.id, by, isoNow(deps));
    // A worker is listed from the moment its token exists, before it first asks for work.
    if (v.scopes.includes("worker")) ensureWorker(deps.db, v.name, isoNow(deps));
    return insertToken(
      deps.db,
      {
        kind: "bot",
        name: v.name,
        userId: null,
        scopes: [...new Set(v.scopes)],
        tokenHash: hashToken(token),
        expiresAt: v.expiresAt,
        createdBy: by,
      },
      isoNow(deps),
    );
  });
  return { token, record };
}

/** A personal token of a user: it acts as the user, with whatever role the user has when it is used. */
export function createPersonalToken(
  deps: Pick<ServerDeps, "db" | "now">,
  userId: number,
  v: { name: string; expiresAt: string | null },
  by: string,
): { token: string; record: TokenRecord } {
  checkTokenName(v.name);
  const user = getUser(deps.db, userId);
  if (!user) throw new NotFound(`no user ${userId}`);
  const token = newToken("personal");
  const record = insertToken(
    deps.db,
    {
      kind: "personal",
      name: v.name,
      userId,
      scopes: [],
      tokenHash: hashToken(token),
      expiresAt: v.expiresAt,
      createdBy: by,
    },
    isoNow(deps),
  );
  return { token, record };
}

/** Tokens a principal may see: all of them for admins, their own personal tokens for users. */
export function visibleTokens(deps: Pick<ServerDeps, "db">, who: Principal): TokenRecord[] {
  if (isAdmin(who)) return listTokens(deps.db);
  if (who.kind === "user") return listTokens(deps.db, { userId: who.userId });
  return [];
}

export function isAdmin(p: Principal): boolean {
  return (
    p.kind === "bootstrap" ||
    (p.kind === "user" && p.role === "admin") ||
    (p.kind === "bot" && p.scopes.includes("admin"))
  );
}

/** Revoke a token: admins any, users their own personal ones. */
export function revokeTokenAs(deps: Pick<ServerDeps, "db" | "now">, id: number, who: Principal): TokenRecord {
  const t = getToken(deps.db, id);
  if (!t) throw new NotFound(`no token ${id}`);
  if (!isAdmin(who) && !(who.kind === "user" && t.userId === who.userId))
    throw new Forbidden("only admins may revoke other people's tokens");
  if (t.revokedAt) throw new Invalid(`token ${id} is already revoked`);
  revokeToken(deps.db, id, actorName(who), isoNow(deps));
  return getToken(deps.db, id)!;
}
