// createApp(deps): every router mounted on one Hono app, so tests drive the real thing.
import { Hono, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { api } from "../api/routes";
import { NotFound } from "../core/errors";
import type { ServerDeps } from "./deps";
import { accessControl } from "./http/access";
import { buildsRouter } from "./http/builds";
import { errorHandler } from "./http/errors";
import { gitlabWebhookRouter } from "./http/gitlab";
import { requestGuard } from "./http/guard";
import { healthRouter, metricsRouter } from "./http/health";
import { identityRouter } from "./http/identity";
import { leasesRouter } from "./http/leases";
import { bodyLimits } from "./http/limits";
import { namespacesRouter } from "./http/namespaces";
import { pagesRouter } from "./http/pages";
import { pipelineBuildsRouter } from "./http/pipeline-builds";
import { planRouter } from "./http/plan";
import { RateLimiter, rateLimited } from "./http/rate-limit";
import { repoRouter } from "./http/repo";
import { ssoRouter } from "./http/sso";
import { webhooksRouter } from "./http/webhooks";
import { showWorkers } from "./usecases/show-home";

/** Planning reads every pkgbase's graph; a search filters a whole namespace: both are open to anyone. */
export const READ_RATE_LIMITS = {
  plan: { burst: 20, perSecond: 1 },
  search: { burst: 30, perSecond: 5 },
} as const;

/** What a stopping server refuses: new leases and package uploads (everything else is answered). */
const takesWork = (method: string, path: string) =>
  (method === "POST" && path === api.lease) || (method === "PUT" && /\/files\/[^/]+$/.test(path));

export function createApp(deps: ServerDeps) {
  const limits = { plan: new RateLimiter(READ_RATE_LIMITS.plan), search: new RateLimiter(READ_RATE_LIMITS.search) };
  const app = new Hono();
  app.onError(errorHandler(deps.log));
  app.use(requestGuard);
  app.use(bodyLimits(deps.config.maxUploadBytes));
  app.use(deps.lifecycle.middleware(takesWork));
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  app.use(countRequests(deps));
  // Before every route: who is asking and whether the route's rule (access.ts) lets them.
  app.use(accessControl(deps));
  app.route("/", healthRouter(deps));
  app.route("/", metricsRouter(deps, null));
  app.route("/", webhooksRouter(deps));
  app.route(api.namespaces, namespacesRouter(deps));
  app.route(api.builds, buildsRouter(deps));
  app.route(api.lease, leasesRouter(deps));
  app.route(api.pipelineBuilds, pipelineBuildsRouter(deps));
  app.route(api.gitlabWebhook, gitlabWebhookRouter(deps));
  app.use(api.plan, rateLimited(limits.plan, "plan requests"));
  app.route(api.plan, planRouter(deps));
  app.route("/api/v1", identityRouter(deps));
  app.post(api.refresh, (c) => {
    void deps.requestRecompute();
    return c.json({ accepted: true }, 202);
  });
  app.get(api.workers, (c) =>
    c.json({
      workers: showWorkers(deps).map((w) => ({
        name: w.name,
        architectures: w.architectures,
        last_seen: w.lastSeen,
        current_builds: w.builds.map((b) => b.id),
      })),
    }),
  );
  app.route("/repo", repoRouter(deps));
  app.use(
    "*",
    rateLimited(limits.search, "searches", (c) => c.req.method === "GET" && Boolean(c.req.query("q"))),
  );
  app.route("/", ssoRouter(deps, deps.oidc));
  app.route("/", pagesRouter(deps));
  app.all("/api/*", () => {
    throw new NotFound("no such API endpoint");
  });
  return app;
}

/** The app of BUILDBTW_METRICS_LISTEN: metrics without a token, and the probes. */
export function createMetricsApp(deps: ServerDeps) {
  const app = new Hono();
  app.onError(errorHandler(deps.log));
  app.route("/", healthRouter(deps));
  app.route("/", metricsRouter(deps, null));
  return app;
}

/** HTTP requests by method, route pattern (never the raw path: ids would explode the label set) and status. */
function countRequests(deps: ServerDeps): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const matched = routePath(c);
      const labels = {
        method: c.req.method,
        route: matched === "/*" || matched === "*" ? "unmatched" : matched,
        status: String(c.res.status),
      };
      deps.metrics.httpRequests.inc(labels);
      deps.metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    }
  };
}
