// Sessions, kept in SQLite: the caller gets the random id once (for a cookie), the table keeps only its hash
// and the secret the session's CSRF tokens are derived from. Ending one deletes its row.
import { randomBytes } from "node:crypto";
import type { SessionRecord } from "../../core/records";
import { deleteSession, insertSession } from "../../db/identity";
import type { ServerDeps } from "../deps";
import { hashToken, newToken } from "../tokens";
import { isoNow } from "./build-lifecycle";

/** A session for a user (null: the bootstrap admin token) lasting `days`; `id` goes into the cookie. */
export function startSession(
  deps: Pick<ServerDeps, "db" | "now">,
  v: { userId: number | null; refreshToken: string | null; days: number },
): { id: string; session: SessionRecord } {
  const id = newToken("session");
  const session = insertSession(
    deps.db,
    {
      idHash: hashToken(id),
      userId: v.userId,
      csrfSecret: randomBytes(32).toString("base64url"),
      refreshToken: v.refreshToken,
      expiresAt: new Date(deps.now() + v.days * 86_400_000).toISOString(),
    },
    isoNow(deps),
  );
  return { id, session };
}

export function endSession(deps: Pick<ServerDeps, "db">, session: Pick<SessionRecord, "id">): void {
  deleteSession(deps.db, session.id);
}

/**
 * A CLI login keeps its refresh token in a session no cookie names (for a year), so the user's groups are read
 * again daily although the personal token never visits a page.
 */
export function keepRefreshToken(deps: Pick<ServerDeps, "db" | "now">, userId: number, refreshToken: string | null) {
  if (refreshToken) startSession(deps, { userId, refreshToken, days: 365 });
}
