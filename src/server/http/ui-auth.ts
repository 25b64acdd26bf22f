// Who may press the web UI's buttons. A packager logs in once with the admin token; the server answers with
// a signed session cookie (HttpOnly, SameSite=Strict) and puts a CSRF token, derived from that session, into
// every form. A Bearer token is accepted instead (scripts): it is never sent by a browser on its own, so it
// needs no CSRF token. Sessions and CSRF tokens are HMACs keyed by the admin token: no session table, and
// changing the admin token logs everybody out.
import { createHmac, randomBytes } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { Forbidden, Unauthorized } from "../../core/errors";
import type { ServerDeps } from "../deps";
import { sameToken } from "../tokens";
import { bearer } from "./auth";

export const SESSION_COOKIE = "buildbtw_session";
const SESSION_DAYS = 7;

/** What a page knows about its reader: `csrf` is set when the reader may act. */
export interface Viewer {
  csrf: string | null;
}

const mac = (key: string, text: string): string => createHmac("sha256", key).update(text).digest("base64url");

function newSession(deps: ServerDeps): string {
  const expires = Math.floor(deps.now() / 1000) + SESSION_DAYS * 86400;
  const body = `v1.${expires}.${randomBytes(12).toString("base64url")}`;
  return `${body}.${mac(deps.adminToken, `session.${body}`)}`;
}

function validSession(deps: ServerDeps, value: string | undefined): value is string {
  if (!value) return false;
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return false;
  const body = parts.slice(0, 3).join(".");
  if (!sameToken(parts[3]!, mac(deps.adminToken, `session.${body}`))) return false;
  return Number(parts[1]) * 1000 > deps.now();
}

const csrfFor = (deps: ServerDeps, session: string): string => mac(deps.adminToken, `csrf.${session}`);

/** The reader of a page: logged in (with the CSRF token for their forms) or not. */
export function viewerOf(deps: ServerDeps, c: Context): Viewer {
  const session = getCookie(c, SESSION_COOKIE);
  return { csrf: validSession(deps, session) ? csrfFor(deps, session) : null };
}

/** Log in with the admin token; throws Forbidden for any other token. */
export function logIn(deps: ServerDeps, c: Context, token: string): void {
  if (!token || !sameToken(token, deps.adminToken)) throw new Forbidden("that is not the admin token");
  setCookie(c, SESSION_COOKIE, newSession(deps), {
    httpOnly: true,
    sameSite: "Strict",
    secure: deps.config.baseUrl.startsWith("https:"),
    path: "/",
    maxAge: SESSION_DAYS * 86400,
  });
}

export function logOut(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/**
 * Allow a UI action: a valid Bearer admin token, or a valid session plus the form's CSRF token from the same
 * origin. No credentials → 401; wrong token, missing or wrong CSRF token, foreign origin → 403.
 */
export function authorizeAction(deps: ServerDeps, c: Context, form: Record<string, unknown>): void {
  const token = bearer(c);
  if (token) {
    if (!sameToken(token, deps.adminToken))
      throw new Forbidden("this token may not do this (the admin token is needed)");
    return;
  }
  const session = getCookie(c, SESSION_COOKIE);
  if (!validSession(deps, session)) throw new Unauthorized("log in with the admin token to do this");
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin && origin !== new URL(deps.config.baseUrl).origin)
    throw new Forbidden(`requests from ${origin} may not change anything here`);
  const given = typeof form._csrf === "string" ? form._csrf : (c.req.header("x-csrf-token") ?? "");
  if (!given || !sameToken(given, csrfFor(deps, session)))
    throw new Forbidden("the form's CSRF token is missing or stale: reload the page and try again");
}
