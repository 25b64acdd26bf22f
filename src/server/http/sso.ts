// Single sign-on routes. Browsers: /auth/login → the provider → /auth/callback → a session. The CLI's
// `auth login`: the device flow through /api/v1/auth/device (the server keeps the client secret), or the
// browser flow ending at a loopback address on the user's machine with a one-time code that only the CLI,
// holding the PKCE verifier, can turn into a personal token. Pending logins live in memory for 10 minutes.
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { Invalid, NotFound, Unauthorized } from "../../core/errors";
import type { ServerDeps } from "../deps";
import type { LoginStart, OidcClient } from "../oidc";
import { keepRefreshToken } from "../usecases/manage-sessions";
import { createPersonalToken } from "../usecases/manage-tokens";
import { signIn } from "../usecases/sign-in";
import { jsonBody } from "./errors";
import { openSession } from "./sessions";

const PENDING_MS = 10 * 60_000;
const LOGIN_COOKIE = "buildbtw_login";

interface PendingLogin extends Omit<LoginStart, "url"> {
  next: string;
  cli: { port: number; challenge: string } | null;
  expires: number;
}

interface CliCode {
  userId: number;
  challenge: string;
  expires: number;
}

const LoginQuery = z.object({
  next: z.string().max(2000).optional(),
  cli_port: z.coerce.number().int().min(1024).max(65535).optional(),
  cli_challenge: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, "cli_challenge must be a base64url S256 challenge")
    .optional(),
});
const DeviceToken = z.strictObject({ device_code: z.string().min(1).max(2000), label: z.string().max(64).optional() });
const CliToken = z.strictObject({
  code: z.string().min(1).max(200),
  verifier: z.string().min(43).max(128),
  label: z.string().max(64).optional(),
});

const localPath = (raw: string | undefined): string => (raw && /^\/(?![/\\])[^\s]*$/.test(raw) ? raw : "/");

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

const tokenLabel = (label: string | undefined) =>
  (label?.replace(/[^A-Za-z0-9@._+-]/g, "-") || `cli-${hostname()}`).slice(0, 64);

export function ssoRouter(deps: ServerDeps, client: OidcClient | null) {
  const pending = new Map<string, PendingLogin>();
  const cliCodes = new Map<string, CliCode>();
  const sweep = () => {
    const now = deps.now();
    for (const [k, v] of pending) if (v.expires < now) pending.delete(k);
    for (const [k, v] of cliCodes) if (v.expires < now) cliCodes.delete(k);
  };
  const need = (): OidcClient => {
    if (!client) throw new NotFound("single sign-on is not configured on this server (BUILDBTW_OIDC_ISSUER)");
    return client;
  };
  const callbackUrl = () => `${deps.config.baseUrl}/auth/callback`;
  const issue = (userId: number, label: string | undefined) =>
    createPersonalToken(deps, userId, { name: tokenLabel(label), expiresAt: null }, "auth login");

  return new Hono()
    .get("/auth/login", async (c) => {
      const q = LoginQuery.parse(c.req.query());
      if ((q.cli_port === undefined) !== (q.cli_challenge === undefined))
        throw new Invalid("cli_port and cli_challenge come together");
      sweep();
      const start = await need().startLogin(callbackUrl());
      pending.set(start.state, {
        state: start.state,
        verifier: start.verifier,
        nonce: start.nonce,
        next: localPath(q.next),
        cli: q.cli_port !== undefined ? { port: q.cli_port, challenge: q.cli_challenge! } : null,
        expires: deps.now() + PENDING_MS,
      });
      // The browser that starts a login must be the one that finishes it.
      setCookie(c, LOGIN_COOKIE, start.state, {
        httpOnly: true,
        sameSite: "Lax",
        secure: deps.config.baseUrl.startsWith("https:"),
        path: "/auth/callback",
        maxAge: PENDING_MS / 1000,
      });
      return c.redirect(start.url, 302);
    })
    .get("/auth/callback", async (c) => {
      const url = new URL(c.req.url);
      const state = url.searchParams.get("state") ?? "";
      const login = pending.get(state);
      if (!login || login.expires < deps.now() || getCookie(c, LOGIN_COOKIE) !== state)
        throw new Unauthorized("this login is unknown or expired: start again at /login");
      pending.delete(state);
      deleteCookie(c, LOGIN_COOKIE, { path: "/auth/callback" });
      if (url.searchParams.has("error"))
        throw new Unauthorized(`the identity provider refused the login (${url.searchParams.get("error")})`);
      // The provider redirected to BASE_URL; behind a proxy the request URL may differ, so rebuild it.
      const callback = new URL(`${callbackUrl()}${url.search}`);
      const identity = await need().finishLogin(callback, login);
      const user = signIn(deps, identity);
      c.set("principal", { kind: "user", userId: user.id, name: user.name, role: user.role, tokenId: null });
      c.set("auditTarget", "session");
      if (login.cli) {
        const code = randomBytes(24).toString("base64url");
        cliCodes.set(code, { userId: user.id, challenge: login.cli.challenge, expires: deps.now() + 120_000 });
        keepRefreshToken(deps, user.id, identity.refreshToken);
        return c.redirect(`http://127.0.0.1:${login.cli.port}/callback?code=${code}`, 302);
      }
      openSession(deps, c, user.id, identity.refreshToken);
      return c.redirect(login.next, 303);
    })
    .get("/api/v1/auth", async (c) =>
      c.json({ sso: client !== null, device_flow: client ? await client.offersDeviceFlow() : false }),
    )
    .post("/api/v1/auth/device", async (c) => {
      const d = await need().startDevice();
      return c.json({
        device_code: d.deviceCode,
        user_code: d.userCode,
        verification_uri: d.verificationUri,
        verification_uri_complete: d.verificationUriComplete,
        interval: d.interval,
        expires_in: d.expiresIn,
      });
    })
    .post("/api/v1/auth/device/token", async (c: Context) => {
      const body = DeviceToken.parse(await jsonBody(c));
      const polled = await need().pollDevice(body.device_code);
      if (!polled.done) {
        c.set("auditSkip", true);
        return c.json({ pending: true, slow_down: polled.slowDown }, 202);
      }
      const user = signIn(deps, polled.identity);
      keepRefreshToken(deps, user.id, polled.identity.refreshToken);
      c.set("principal", { kind: "user", userId: user.id, name: user.name, role: user.role, tokenId: null });
      c.set("auditTarget", `token ${tokenLabel(body.label)}`);
      const { token } = issue(user.id, body.label);
      return c.json({ token, user: user.name, role: user.role }, 201);
    })
    .post("/api/v1/auth/cli-token", async (c) => {
      const body = CliToken.parse(await jsonBody(c));
      sweep();
      const found = cliCodes.get(body.code);
      cliCodes.delete(body.code);
      if (!found || found.expires < deps.now() || s256(body.verifier) !== found.challenge)
        throw new Unauthorized("this login code is unknown, expired or not yours: run `buildbtw auth login` again");
      c.set("auditTarget", `token ${tokenLabel(body.label)}`);
      const { token, record } = issue(found.userId, body.label);
      return c.json({ token, token_id: record.id }, 201);
    });
}
