import { Hono } from "hono";
import { z } from "zod";
import { BuildStatusSchema, LogQuery, wholeNumber } from "../../api/schemas";
import type { ServerDeps } from "../deps";
import { buildLog, listBuilds, showBuild } from "../usecases/builds";

const BuildId = wholeNumber("the build id");
const StatusFilter = z
  .string()
  .default("scheduled,building")
  .transform((s) => s.split(","))
  .pipe(z.array(BuildStatusSchema));

export function buildsRouter(deps: ServerDeps) {
  return new Hono()
    .get("/", (c) => c.json(listBuilds(deps, StatusFilter.parse(c.req.query("status")))))
    .get("/:id", (c) => c.json(showBuild(deps, BuildId.parse(c.req.param("id")))))
    .get("/:id/log", (c) => {
      const { offset } = LogQuery.parse(c.req.query());
      return c.json(buildLog(deps, BuildId.parse(c.req.param("id")), offset));
    });
}
