// The worker protocol (README.md, Architecture: workers and leases). Every call names a lease; stale leases get 409.
import { Hono } from "hono";
import { BuildResult, LeaseRequest } from "../../api/schemas";
import type { WorkerRecord } from "../../core/records";
import type { ServerDeps } from "../deps";
import { appendBuildLog } from "../usecases/append-log";
import { checkInWorker } from "../usecases/check-in-worker";
import { heartbeatLease } from "../usecases/heartbeat-lease";
import { leaseBuild } from "../usecases/lease-build";
import { reportResult } from "../usecases/report-result";
import { uploadPackage } from "../usecases/upload-package";
import { jsonBody } from "./errors";
import { receiveBody } from "./uploads";

type WorkerEnv = { Variables: { worker: WorkerRecord } };

/** access.ts lets only bot tokens with the `worker` scope in; the worker is named after its token. */
export function leasesRouter(deps: ServerDeps) {
  return new Hono<WorkerEnv>()
    .use(async (c, next) => {
      c.set("worker", checkInWorker(deps, c.get("principal")));
      await next();
    })
    .post("/", async (c) => {
      const req = LeaseRequest.parse(await jsonBody(c));
      const signal = AbortSignal.any([c.req.raw.signal, deps.lifecycle.signal]);
      const lease = await leaseBuild(deps, c.var.worker, req, signal);
      return lease ? c.json(lease) : c.body(null, 204);
    })
    .post("/:lease/heartbeat", (c) => c.json(heartbeatLease(deps, c.var.worker, c.req.param("lease"))))
    .post("/:lease/log", async (c) => {
      appendBuildLog(deps, c.var.worker, c.req.param("lease"), await c.req.text());
      return c.body(null, 204);
    })
    .put("/:lease/files/:file", async (c) => {
      return c.json(
        await uploadPackage(deps, c.var.worker, c.req.param("lease"), c.req.param("file"), receiveBody(deps, c)),
        201,
      );
    })
    .post("/:lease/result", async (c) => {
      const body = BuildResult.parse(await jsonBody(c));
      return c.json(await reportResult(deps, c.var.worker, c.req.param("lease"), body));
    });
}
