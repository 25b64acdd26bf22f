// Access control for every request, in one place: who is asking (a bearer token, or a web session), what the
// matched route needs (ROUTE_RULES: one rule per route, so a test can enumerate them and a route without a
// rule is refused), cross-site and CSRF checks for browsers, rate limiting of failed credentials, security
// headers, and an audit row for every mutation and every refusal.
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import { getCookie } from "hono/cookie";
import { matchedRoutes } from "hono/route";
import { ErrorPage, type Site } from "../../../views/layout";
import { actorName, decide, type Principal, type Rule } from "../../core/access";
import type { AuditEntry, SessionRecord } from "../../core/records";
import type { ServerDeps } from "../deps";
import { sameToken } from "../tokens";
import { recordAudit } from "../usecases/audit-log";
import { authenticateSession, authenticateToken } from "../usecases/authenticate";
import { assetUrl } from "./assets";
import { formBody } from "./errors";
import { html } from "./html";
import { csrfFor, SESSION_COOKIE } from "./sessions";

export interface RouteRule {
  need: Rule;
  /** The audit log's name for it; default "METHOD path". */
  action?: string;
  /** Machine calls made many times a second (heartbeats, log chunks): only refusals are audited. */
  quiet?: boolean;
  /**
   * The route checks its own proof (GitLab pipelines' build tokens, login codes): an Authorization header is
   * not an API token here, and the route's 401/403s count as failed token checks.
   */
  ownToken?: boolean;
  /** Audit successes of this GET too (it changes something, like the single sign-on callback). */
  audited?: boolean;
}

/**
 * Every route of the app, as `METHOD path` with Hono's path pattern, and what it needs. A route missing here
 * answers 500 and fails the authorization matrix test, so each new route must be given a rule.
 */
export const ROUTE_RULES: Record<string, RouteRule> = {
  "GET /healthz": { need: "public" },
  "GET /api/v1/health": { need: "public" },
  "GET /api/v1/ready": { need: "public" },
  "GET /metrics": { need: "metrics" },
  "GET /api/v1/webhooks/deliveries": { need: "admin" },
  // namespaces
  "GET /api/v1/namespaces": { need: "read" },
  "POST /api/v1/namespaces": { need: "namespaces:write", action: "namespace.create" },
  "GET /api/v1/namespaces/:name": { need: "read" },
  "PATCH /api/v1/namespaces/:name": { need: "namespaces:write", action: "namespace.update" },
  "POST /api/v1/namespaces/:name/iterations": { need: "namespaces:write", action: "namespace.retry" },
  "POST /api/v1/namespaces/:name/retry-node": { need: "namespaces:write", action: "build.retry" },
  "GET /api/v1/namespaces/:name/builds": { need: "read" },
  "GET /api/v1/namespaces/:name/release": { need: "read" },
  // builds
  "GET /api/v1/builds": { need: "read" },
  "GET /api/v1/builds/:id": { need: "read" },
  "GET /api/v1/builds/:id/log": { need: "read" },
  // workers' protocol: the worker's identity is its bot token's name
  "POST /api/v1/leases": { need: "worker", quiet: true, action: "lease.request" },
  "POST /api/v1/leases/:lease/heartbeat": { need: "worker", quiet: true, action: "lease.heartbeat" },
  "POST /api/v1/leases/:lease/log": { need: "worker", quiet: true, action: "lease.log" },
  "PUT /api/v1/leases/:lease/files/:file": { need: "worker", action: "lease.upload" },
  "POST /api/v1/leases/:lease/result": { need: "worker", action: "lease.result" },
  // GitLab pipelines prove themselves with their per-build token (checked by the router)
  "GET /api/v1/pipeline-builds/:build": { need: "public", ownToken: true },
  "POST /api/v1/pipeline-builds/:build/log": { need: "public", ownToken: true, quiet: true, action: "pipeline.log" },
  "PUT /api/v1/pipeline-builds/:build/files/:file": { need: "public", ownToken: true, action: "pipeline.upload" },
  "POST /api/v1/pipeline-builds/:build/result": { need: "public", ownToken: true, action: "pipeline.result" },
  // GitLab webhooks prove themselves with their secret or signature (checked by the router)
  "POST /api/v1/gitlab/webhook": { need: "public", quiet: true, action: "gitlab.webhook" },
  "POST /api/v1/plan": { need: "read" },
  "POST /api/v1/refresh": { need: "namespaces:write", action: "sources.refresh" },
  "GET /api/v1/workers": { need: "read" },
  // identity
  "GET /api/v1/me": { need: "signed-in" },
  "GET /api/v1/tokens": { need: "signed-in" },
  "POST /api/v1/tokens": { need: "signed-in", action: "token.create" },
  "DELETE /api/v1/tokens/:id": { need: "signed-in", action: "token.revoke" },
  "GET /api/v1/audit": { need: "admin" },
  "GET /api/v1/users": { need: "admin" },
  // pacman repositories
  "GET /repo/:namespace/:iteration/os/:arch/": { need: "read" },
  "HEAD /repo/:namespace/:iteration/os/:arch/": { need: "read" },
  "GET /repo/:namespace/:iteration/os/:arch/:file": { need: "read" },
  "HEAD /repo/:namespace/:iteration/os/:arch/:file": { need: "read" },
  // web UI
  "GET /assets/:file": { need: "public" },
  "GET /": { need: "read" },
  "GET /events": { need: "read" },
  "GET /login": { need: "public" },
  "POST /login": { need: "public", action: "login" },
  "POST /logout": { need: "public", action: "logout" },
  "GET /auth/login": { need: "public" },
  "GET /auth/callback": { need: "public", action: "login.sso", audited: true },
  "GET /api/v1/auth": { need: "public" },
  "POST /api/v1/auth/device": { need: "public", action: "login.device.start" },
  "POST /api/v1/auth/device/token": { need: "public", ownToken: true, action: "login.device" },
  "POST /api/v1/auth/cli-token": { need: "public", ownToken: true, action: "login.cli" },
  "GET /namespaces/:name": { need: "read" },
  "GET /namespaces/:name/iterations/:iteration": { need: "read" },
  "GET /namespaces/:name/iterations/:iteration/groups/:depth": { need: "read" },
  "GET /namespaces/:name/iterations/:iteration/events": { need: "read" },
  "POST /namespaces/:name/cancel": { need: "namespaces:write", action: "namespace.cancel" },
  "POST /namespaces/:name/resume": { need: "namespaces:write", action: "namespace.resume" },
  "POST /namespaces/:name/retry": { need: "namespaces:write", action: "namespace.retry" },
  "POST /namespaces/:name/retry-node": { need: "namespaces:write", action: "build.retry" },
  "GET /builds/:id": { need: "read" },
  "GET /builds/:id/log.txt": { need: "read" },
  "HEAD /builds/:id/log.txt": { need: "read" },
  "GET /builds/:id/events": { need: "read" },
  "GET /tokens": { need: "signed-in" },
  "POST /tokens": { need: "signed-in", action: "token.create" },
  "POST /tokens/:id/revoke": { need: "signed-in", action: "token.revoke" },
  "GET /admin/audit": { need: "admin" },
  "GET /admin/users": { need: "admin" },
  // unknown API paths answer 404 for everyone
  "ALL /api/*": { need: "public" },
};

const NOT_MATCHED: RouteRule = { need: "public" };

/** What a refused request was aimed at, before any handler could say: namespaces by name, else the path. */
function defaultTarget(path: string): string {
  const ns = /^(?:\/api\/v1)?\/namespaces\/([^/]+)/.exec(path);
  if (ns) {
    try {
      return `namespace ${decodeURIComponent(ns[1]!)}`;
    } catch {}
  }
  return path;
}

/**
 * A route's handler takes (c); middleware takes (c, next). Hono wraps the handlers of a sub-app with its own
 * error handler and keeps the original under "__COMPOSED_HANDLER" (hono/utils/constants).
 */
export function isEndpoint(handler: unknown): boolean {
  const inner = (handler as Record<string, unknown>).__COMPOSED_HANDLER ?? handler;
  return typeof inner === "function" && inner.length < 2;
}

/**
 * `METHOD path` of the endpoint that answers this request: the first matched one (Hono runs them in order and
 * the first to answer wins, e.g. before the catch-all `/api/*`), or null when none did (a 404 follows).
 */
function routeKey(c: Context): string | null {
  const route = matchedRoutes(c).find((r) => isEndpoint(r.handler));
  return route ? `${route.method} ${route.path}` : null;
}

/** The token of `Authorization: Bearer <token>`, or of Basic auth's password (pacman can only send that). */
export function credential(c: Context): string | null {
  const header = c.req.header("authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const password = decoded.slice(decoded.indexOf(":") + 1);
    return password || null;
  }
  return header ? "" : null;
}

export function remoteAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

function securityHeaders(c: Context): void {
  const html = (c.res.headers.get("content-type") ?? "").startsWith("text/html");
  c.res.headers.set("content-security-policy", html ? PAGE_CSP : API_CSP);
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("referrer-policy", "same-origin");
  c.res.headers.set("x-frame-options", "DENY");
}

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
    /** The web session the request came with, when it authenticated the request. */
    session: SessionRecord | null;
    /** What the audit row names as the target, when the handler knows better than the path. */
    auditTarget: string;
    /** Set by a handler whose answer changed nothing worth a row (a device login still pending). */
    auditSkip: boolean;
  }
}

/** Whether a browser sent this request from another site (Origin, else Referer, else Sec-Fetch-Site). */
function crossSite(deps: ServerDeps, c: Context): string | null {
  const own = new Set([new URL(c.req.url).origin, new URL(deps.config.baseUrl).origin]);
  const origin = c.req.header("origin");
  if (origin !== undefined) return own.has(origin) ? null : origin;
  const referer = c.req.header("referer");
  if (referer !== undefined) {
    let from: string;
    try {
      from = new URL(referer).origin;
    } catch {
      return "an unreadable Referer";
    }
    return own.has(from) ? null : from;
  }
  return c.req.header("sec-fetch-site") === "cross-site" ? "another site" : null;
}

/** The web UI's pages answer refusals with a page; the API and the repositories with JSON. */
const isPagePath = (path: string): boolean => !path.startsWith("/api/") && !path.startsWith("/repo/");

async function refusal(deps: ServerDeps, c: Context, status: 401 | 403 | 429, message: string): Promise<Response> {
  if (!isPagePath(c.req.path)) return c.json({ error: message }, status);
  const url = new URL(c.req.url);
  const site: Site = {
    csrf: null,
    actions: null,
    user: null,
    admin: false,
    assets: { css: assetUrl("app.css"), htmx: assetUrl("htmx.min.js"), ui: assetUrl("ui.js") },
    now: deps.now(),
    path: url.pathname + url.search,
  };
  return c.html(`<!doctype html>${await html(ErrorPage({ site, status, message }))}`, status);
}

const MESSAGES = {
  unauthenticated: "this needs you to log in or send a token (Authorization: Bearer <token>)",
  forbidden: {
    "namespaces:write": "this needs the packager role or a token with the namespaces:write scope",
    worker: "this needs a bot token with the worker scope (`buildbtw token create --bot NAME --scope worker`)",
    metrics: "this needs an admin or a token with the metrics scope",
    admin: "this needs the admin role or a token with the admin scope",
  } as Record<string, string>,
};

export function accessControl(deps: ServerDeps): MiddlewareHandler {
  return async (c, next) => {
    const key = routeKey(c);
    const rule = key === null ? NOT_MATCHED : ROUTE_RULES[key];
    const address = remoteAddress(c);
    const unsafe = UNSAFE.has(c.req.method);
    let principal: Principal = { kind: "anonymous" };
    c.set("principal", principal);
    c.set("session", null);
    const audit = (status: number, result: AuditEntry["result"], detail: string | null = null) =>
      recordAudit(deps, {
        actor: actorName(principal),
        actorKind: principal.kind,
        action: rule?.action ?? key ?? `${c.req.method} ${c.req.path}`,
        target: c.get("auditTarget") ?? defaultTarget(c.req.path),
        result,
        status,
        remoteAddress: address,
        detail,
      });
    const refuse = async (status: 401 | 403 | 429, message: string, detail: string) => {
      deps.log.warn("request refused", {
        method: c.req.method,
        path: c.req.path,
        actor: actorName(principal),
        address,
        status,
        reason: detail,
      });
      audit(status, "refused", detail);
      return refusal(deps, c, status, message);
    };
    const respond = (res: Response) => {
      c.res = res;
      securityHeaders(c);
      return c.res;
    };

    if (!rule) {
      deps.log.error("route without an access rule", { route: key });
      return respond(c.json({ error: `internal server error: no access rule for ${key}` }, 500));
    }

    const token = rule.ownToken ? null : credential(c);
    const isLogin = key === "POST /login";
    if (token !== null || isLogin || rule.ownToken) {
      const wait = deps.authFailures.retryAfter(address);
      if (wait > 0) {
        c.header("retry-after", String(wait));
        return respond(
          await refuse(
            429,
            `too many failed logins or token checks from your address; try again in ${wait} s`,
            "rate limited",
          ),
        );
      }
    }
    if (token !== null) {
      const found = token === "" ? ({ ok: false, why: "unknown" } as const) : authenticateToken(deps, token);
      if (!found.ok) {
        deps.authFailures.fail(address);
        return respond(
          await refuse(401, "this token is not valid (unknown, expired or revoked)", `token ${found.why}`),
        );
      }
      principal = found.principal;
    } else {
      const sid = getCookie(c, SESSION_COOKIE);
      const found = sid ? authenticateSession(deps, sid) : null;
      if (found) {
        principal = found.principal;
        c.set("session", found.session);
      }
    }
    c.set("principal", principal);

    // Browsers: nothing changes on behalf of another site, whatever the credentials (login CSRF included).
    if (unsafe && token === null) {
      const from = crossSite(deps, c);
      if (from) return respond(await refuse(403, `requests from ${from} may not change anything here`, "cross-site"));
    }

    const decision = decide(rule.need, principal, { publicRead: deps.config.publicRead });
    if (decision === "unauthenticated")
      return respond(await refuse(401, MESSAGES.unauthenticated, `needs ${rule.need}`));
    if (decision === "forbidden")
      return respond(await refuse(403, MESSAGES.forbidden[rule.need] ?? "this is not allowed", `needs ${rule.need}`));

    // A session's unsafe requests carry the CSRF token of its forms (or X-CSRF-Token from scripts).
    const session = c.get("session");
    if (unsafe && session && rule.need !== "public") {
      const form = (c.req.header("content-type") ?? "").includes("form") ? await formBody(c) : {};
      const given = typeof form._csrf === "string" ? form._csrf : (c.req.header("x-csrf-token") ?? "");
      if (!given || !sameToken(given, csrfFor(session)))
        return respond(
          await refuse(
            403,
            "the form's CSRF token is missing or stale: reload the page and try again",
            "bad CSRF token",
          ),
        );
    }

    await next();
    const status = c.res.status;
    const refused = status === 401 || status === 403 || status === 429;
    // A wrong build token is a failed token check like any other.
    if (rule.ownToken && (status === 401 || status === 403)) deps.authFailures.fail(address);
    if (refused) audit(status, "refused");
    else if ((unsafe || rule.audited) && !(rule.quiet && status < 400) && !c.get("auditSkip"))
      audit(status, status < 400 ? "ok" : "failed");
    securityHeaders(c);
  };
}
