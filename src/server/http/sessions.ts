// Web UI sessions, kept in SQLite: the cookie holds a random id (HttpOnly, SameSite=Lax, Secure on https),
// the table only its hash. Forms carry a CSRF token derived from the session's own secret. Logging out
// deletes the row, so a copied cookie dies with it.
import { createHmac } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { actorName, decide } from "../../core/access";
import type { SessionRecord } from "../../core/records";
import type { ServerDeps } from "../deps";
import { endSession, startSession } from "../usecases/manage-sessions";

export const SESSION_COOKIE = "buildbtw_session";
export const SESSION_DAYS = 7;

export const csrfFor = (session: Pick<SessionRecord, "csrfSecret">): string =>
  createHmac("sha256", session.csrfSecret).update("csrf").digest("base64url");

/**
 * Open a session for a user (null: the bootstrap admin token) and set its cookie. SameSite=Lax, not Strict:
 * the single sign-on provider redirects back to us from its own site, and that request must carry the cookie.
 */
export function openSession(
  deps: ServerDeps,
  c: Context,
  userId: number | null,
  refreshToken: string | null = null,
): SessionRecord {
  const { id, session } = startSession(deps, { userId, refreshToken, days: SESSION_DAYS });
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: "Lax",
    secure: deps.config.baseUrl.startsWith("https:"),
    path: "/",
    maxAge: SESSION_DAYS * 86400,
  });
  return session;
}

export function closeSession(deps: ServerDeps, c: Context): void {
  const session = c.get("session");
  if (session) endSession(deps, session);
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** What a page knows about its reader. */
export interface Viewer {
  /** Set for a logged-in reader: the logout form (and, when `canWrite`, the action forms) carry it. */
  csrf: string | null;
  /** Who is logged in, as the audit log names them. */
  name: string | null;
  canWrite: boolean;
  isAdmin: boolean;
}

export function viewerOf(deps: ServerDeps, c: Context): Viewer {
  const principal = c.get("principal") ?? { kind: "anonymous" };
  const session = c.get("session");
  const opts = { publicRead: deps.config.publicRead };
  return {
    csrf: session ? csrfFor(session) : null,
    name: principal.kind === "anonymous" ? null : actorName(principal),
    canWrite: decide("namespaces:write", principal, opts) === "allow",
    isAdmin: decide("admin", principal, opts) === "allow",
  };
}
