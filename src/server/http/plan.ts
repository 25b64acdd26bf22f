// POST /api/v1/plan: the server's view of a rebuild, for `buildbtw plan --server`. Public, like every
// read: it computes and changes nothing.
import { Hono } from "hono";
import { PlanRequest } from "../../api/schemas";
import type { ServerDeps } from "../deps";
import { planOrigins } from "../usecases/plan-origins";
import { jsonBody } from "./errors";

export function planRouter(deps: ServerDeps) {
  return new Hono().post("/", async (c) => c.json(planOrigins(deps, PlanRequest.parse(await jsonBody(c)))));
}
