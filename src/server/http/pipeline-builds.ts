// Builds dispatched as GitLab pipelines (routes.ts pipelineBuild*): the executor in the pipeline reads
// what to build, streams its log, uploads packages and reports — with the pipeline's build token, through
// the same upload checks and result logic as workers' leases.
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { BuildResult, wholeNumber } from "../../api/schemas";
import { Unauthorized } from "../../core/errors";
import type { ServerDeps } from "../deps";
import { appendLogTo } from "../usecases/append-log";
import { currentPipelineBuild } from "../usecases/pipeline-build-access";
import { recordResult } from "../usecases/report-result";
import { showPipelineBuild } from "../usecases/show-pipeline-build";
import { storeUpload } from "../usecases/upload-package";
import { credential } from "./access";
import { jsonBody } from "./errors";
import { receiveBody } from "./uploads";

const BuildId = wholeNumber("the build id");

type Env = { Variables: { token: string; buildId: number } };

function access(deps: ServerDeps, c: Context<Env>) {
  return () => currentPipelineBuild(deps, c.var.buildId, c.var.token).build;
}

export function pipelineBuildsRouter(deps: ServerDeps) {
  const authenticate: MiddlewareHandler<Env> = async (c, next) => {
    const token = credential(c);
    if (!token) throw new Unauthorized("pipeline builds must send Authorization: Bearer <BUILDBTW_BUILD_TOKEN>");
    c.set("token", token);
    c.set("buildId", BuildId.parse(c.req.param("build")));
    await next();
  };
  return new Hono<Env>()
    .use("/:build", authenticate)
    .use("/:build/*", authenticate)
    .get("/:build", (c) => c.json(showPipelineBuild(deps, c.var.buildId, c.var.token)))
    .post("/:build/log", async (c) => {
      appendLogTo(deps, access(deps, c), await c.req.text());
      return c.body(null, 204);
    })
    .put("/:build/files/:file", async (c) => {
      return c.json(await storeUpload(deps, access(deps, c), c.req.param("file"), receiveBody(deps, c)), 201);
    })
    .post("/:build/result", async (c) => {
      // The token first: a stranger learns nothing from how its body was judged.
      const { dispatch } = currentPipelineBuild(deps, c.var.buildId, c.var.token);
      const body = BuildResult.parse(await jsonBody(c));
      return c.json(await recordResult(deps, access(deps, c), body, { pipeline: dispatch.pipelineId }));
    });
}
