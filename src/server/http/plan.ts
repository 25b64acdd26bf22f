// POST /api/v1/plan: the server's view of a rebuild, for `buildbtw plan --server`. Public, like every
// read: it computes and changes nothing.
import { Hono } from "hono";
import { PlanRequest } from "../../api/schemas";
import type { ServerDeps } from "../deps";
import { jsonBody } from "./errors";

export function planRouter(deps: ServerDeps) {
  return new Hono().post("/", async (c) => {
    const json = await deps.catalog.planJson(PlanRequest.parse(await jsonBody(c)));
    return c.body(json, 200, { "content-type": "application/json" });
  });
}
