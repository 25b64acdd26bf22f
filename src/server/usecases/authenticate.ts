// Who a request's credentials name: a bearer token (bootstrap, personal or bot) or a web session.
import type { Principal } from "../../core/access";
import type { SessionRecord } from "../../core/records";
import { findSession, findSessionById, findTokenByHash, getUser, touchToken } from "../../db/identity";
import type { ServerDeps } from "../deps";
import { hashToken, sameToken } from "../tokens";

/** Why a token was not accepted, for the log and the audit log (never the token itself). */
export type TokenRefusal = "unknown" | "revoked" | "expired" | "bootstrap-off";

export function authenticateToken(
  deps: ServerDeps,
  token: string,
): { ok: true; principal: Principal } | { ok: false; why: TokenRefusal } {
  if (deps.adminToken !== null && sameToken(token, deps.adminToken))
    return { ok: true, principal: { kind: "bootstrap" } };
  const hash = hashToken(token);
  const row = findTokenByHash(deps.db, hash);
  // The lookup is by hash (an index), then compared in constant time: timing says nothing about the token.
  if (!row || !sameToken(hash, row.tokenHash))
    return { ok: false, why: deps.adminToken === null && token.startsWith("bbw_a_") ? "bootstrap-off" : "unknown" };
  if (row.revokedAt) return { ok: false, why: "revoked" };
  const now = new Date(deps.now()).toISOString();
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, why: "expired" };
  // Last use is kept to the minute: most requests need no write at all.
  if (!row.lastUsedAt || Date.parse(row.lastUsedAt) < deps.now() - 60_000) touchToken(deps.db, row.id, now);
  if (row.kind === "bot")
    return { ok: true, principal: { kind: "bot", tokenId: row.id, name: row.name, scopes: row.scopes } };
  const user = row.userId === null ? null : getUser(deps.db, row.userId);
  if (!user) return { ok: false, why: "unknown" };
  return { ok: true, principal: { kind: "user", userId: user.id, name: user.name, role: user.role, tokenId: row.id } };
}

/** The session a cookie names, and its principal; null when it is unknown, expired, or no longer allowed. */
export function authenticateSession(
  deps: ServerDeps,
  sessionId: string,
  /** Look the session up by its row id instead (after a refresh). */
  rowId?: number,
): { session: SessionRecord; principal: Principal } | null {
  const now = new Date(deps.now()).toISOString();
  const session =
    rowId === undefined ? findSession(deps.db, hashToken(sessionId), now) : findSessionById(deps.db, rowId, now);
  if (!session) return null;
  if (session.userId === null) return deps.adminToken === null ? null : { session, principal: { kind: "bootstrap" } };
  const user = getUser(deps.db, session.userId);
  if (!user) return null;
  return { session, principal: { kind: "user", userId: user.id, name: user.name, role: user.role, tokenId: null } };
}
