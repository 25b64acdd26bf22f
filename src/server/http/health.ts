// Liveness, readiness and metrics over HTTP. Probes need no token; metrics on the main listener need
// an admin or a token with the `metrics` scope (access.ts's ROUTE_RULES), and are open on BUILDBTW_METRICS_LISTEN,
// which an operator binds to an address only the scraper reaches.
import { Hono, type MiddlewareHandler } from "hono";
import { api } from "../../api/routes";
import type { ServerDeps } from "../deps";
import { checkReadiness } from "../usecases/check-readiness";

const started = Date.now();

export function healthRouter(deps: ServerDeps) {
  const health = () =>
    Response.json({ ok: true, status: "alive", uptime_s: Math.round((Date.now() - started) / 1000) });
  return new Hono()
    .get("/healthz", health)
    .get(api.health, health)
    .get(api.ready, async (c) => {
      const r = await checkReadiness(deps);
      if (!r.ready) {
        const failed = Object.entries(r.checks).filter(([, v]) => !v.ok);
        deps.log.warn("not ready", Object.fromEntries(failed.map(([k, v]) => [k, v.error ?? "failed"])));
      }
      return c.json({ status: r.ready ? "ready" : "not_ready", checks: r.checks }, r.ready ? 200 : 503);
    });
}

export function metricsRouter(deps: ServerDeps, guard: MiddlewareHandler | null) {
  const app = new Hono();
  if (guard) app.use(api.metrics, guard);
  return app.get(api.metrics, async () => {
    return new Response(await deps.metrics.text(), { headers: { "content-type": deps.metrics.contentType } });
  });
}
