// Bearer tokens: the admin token for namespace operations, worker tokens for their own leases.
// No token → 401; a token that may not do this → 403.
import type { Context, MiddlewareHandler } from "hono";
import { Forbidden, Unauthorized } from "../../core/errors";
import type { WorkerRecord } from "../../core/records";
import { findWorkerByTokenHash } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { hashToken, sameToken } from "../tokens";

export type WorkerEnv = { Variables: { worker: WorkerRecord } };

export function bearer(c: Context): string | null {
  const header = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

export function requireAdmin(deps: ServerDeps): MiddlewareHandler {
  return async (c, next) => {
    const token = bearer(c);
    if (!token) throw new Unauthorized("this action needs a token: send Authorization: Bearer <admin token>");
    if (!sameToken(token, deps.adminToken))
      throw new Forbidden("this token may not do this (the admin token is needed)");
    await next();
  };
}

export function requireWorker(deps: ServerDeps): MiddlewareHandler<WorkerEnv> {
  return async (c, next) => {
    const token = bearer(c);
    if (!token) throw new Unauthorized("workers must send Authorization: Bearer <worker token>");
    const worker = findWorkerByTokenHash(deps.db, hashToken(token));
    if (!worker)
      throw new Forbidden("this token is not a worker token (create one with `buildbtw token create --worker NAME`)");
    c.set("worker", worker);
    await next();
  };
}
