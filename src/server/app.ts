// createApp(deps): every router mounted on one Hono app, so tests drive the real thing.
import { Hono } from "hono";
import { api } from "../api/routes";
import { NotFound } from "../core/errors";
import type { ServerDeps } from "./deps";
import { requireAdmin } from "./http/auth";
import { buildsRouter } from "./http/builds";
import { errorHandler } from "./http/errors";
import { gitlabWebhookRouter } from "./http/gitlab";
import { leasesRouter } from "./http/leases";
import { namespacesRouter } from "./http/namespaces";
import { pagesRouter } from "./http/pages";
import { pipelineBuildsRouter } from "./http/pipeline-builds";
import { planRouter } from "./http/plan";
import { repoRouter } from "./http/repo";
import { showWorkers } from "./usecases/show-home";

export function createApp(deps: ServerDeps) {
  const app = new Hono();
  app.onError(errorHandler(deps.log));
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route(api.namespaces, namespacesRouter(deps));
  app.route(api.builds, buildsRouter(deps));
  app.route(api.lease, leasesRouter(deps));
  app.route(api.pipelineBuilds, pipelineBuildsRouter(deps));
  app.route(api.gitlabWebhook, gitlabWebhookRouter(deps));
  app.route(api.plan, planRouter(deps));
  app.post(api.refresh, requireAdmin(deps), (c) => {
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
  app.route("/", pagesRouter(deps));
  app.all("/api/*", () => {
    throw new NotFound("no such API endpoint");
  });
  return app;
}
