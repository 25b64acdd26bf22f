// /api/v1/me, tokens, users and the audit log. Who may call them is in access.ts's ROUTE_RULES; what each
// may see (admins everything, users their own tokens) is decided by the use cases.
import { Hono } from "hono";
import { z } from "zod";
import { actorName, isScope, type Principal, SCOPES } from "../../core/access";
import { Forbidden, Invalid } from "../../core/errors";
import type { AuditEntry, TokenRecord } from "../../core/records";
import type { ServerDeps } from "../deps";
import { readAudit } from "../usecases/audit-log";
import { listUsers } from "../usecases/list-users";
import { createBotToken, createPersonalToken, isAdmin, revokeTokenAs, visibleTokens } from "../usecases/manage-tokens";
import { showMe } from "../usecases/show-me";
import { jsonBody } from "./errors";

/** `30d`, `12h`, `90m` or an ISO date → an ISO time; undefined/empty → null (never expires). */
export function expiryFrom(raw: string | undefined | null, now: number): string | null {
  if (!raw) return null;
  const m = /^(\d+)([dhm])$/.exec(raw);
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
    return new Date(now + Number(m[1]) * unit).toISOString();
  }
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new Invalid(`expires must look like 30d, 12h, 90m or a date, not ${JSON.stringify(raw)}`);
  if (t <= now) throw new Invalid("expires must be in the future");
  return new Date(t).toISOString();
}

export const CreateTokenRequest = z.strictObject({
  /** A bot's name (admins) or a label for a personal token. */
  name: z.string().min(1).max(64),
  /** Set for a bot token (admins only); absent for a personal token of the caller. */
  scopes: z.array(z.string().refine(isScope, { message: `scopes are ${SCOPES.join(", ")}` })).optional(),
  expires: z.string().max(40).optional(),
  rotate: z.boolean().optional(),
});

export const tokenJson = (t: TokenRecord) => ({
  id: t.id,
  kind: t.kind,
  name: t.name,
  user_id: t.userId,
  scopes: t.scopes,
  expires_at: t.expiresAt,
  revoked_at: t.revokedAt,
  revoked_by: t.revokedBy,
  last_used_at: t.lastUsedAt,
  created_by: t.createdBy,
  created_at: t.createdAt,
});

export const auditJson = (e: AuditEntry) => ({
  id: e.id,
  at: e.at,
  actor: e.actor,
  actor_kind: e.actorKind,
  action: e.action,
  target: e.target,
  result: e.result,
  status: e.status,
  remote_address: e.remoteAddress,
  detail: e.detail,
});

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().positive().optional(),
  actor: z.string().max(200).optional(),
  target: z.string().max(400).optional(),
  result: z.enum(["ok", "refused", "failed"]).optional(),
});

/** Create a token as `who`: bot tokens need an admin; personal ones a user (not a bot or the bootstrap token). */
export function createTokenAs(deps: ServerDeps, who: Principal, body: z.output<typeof CreateTokenRequest>) {
  const expiresAt = expiryFrom(body.expires, deps.now());
  if (body.scopes) {
    if (!isAdmin(who)) throw new Forbidden("only admins may create bot tokens");
    return createBotToken(
      deps,
      { name: body.name, scopes: body.scopes.filter(isScope), expiresAt, rotate: body.rotate },
      actorName(who),
    );
  }
  if (who.kind !== "user") throw new Invalid("personal tokens belong to users; give scopes to create a bot token");
  return createPersonalToken(deps, who.userId, { name: body.name, expiresAt }, actorName(who));
}

export function identityRouter(deps: ServerDeps) {
  return new Hono()
    .get("/me", (c) => c.json(showMe(deps, c.var.principal)))
    .get("/tokens", (c) => c.json({ tokens: visibleTokens(deps, c.var.principal).map(tokenJson) }))
    .post("/tokens", async (c) => {
      const body = CreateTokenRequest.parse(await jsonBody(c));
      c.set("auditTarget", `token ${body.name}`);
      const { token, record } = createTokenAs(deps, c.var.principal, body);
      return c.json({ token, ...tokenJson(record) }, 201);
    })
    .delete("/tokens/:id", (c) => {
      const id = z.coerce.number().int().positive().parse(c.req.param("id"));
      const t = revokeTokenAs(deps, id, c.var.principal);
      c.set("auditTarget", `token ${t.name}`);
      return c.json(tokenJson(t));
    })
    .get("/users", (c) =>
      c.json({
        users: listUsers(deps).map((u) => ({
          id: u.id,
          name: u.name,
          email: u.email,
          role: u.role,
          groups: u.groups,
          last_login_at: u.lastLoginAt,
        })),
      }),
    )
    .get("/audit", (c) => c.json({ entries: readAudit(deps, AuditQuery.parse(c.req.query())).map(auditJson) }));
}
