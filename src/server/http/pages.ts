// The web UI: server-rendered pages at stable URLs (readable without JavaScript), htmx fragments for the
// parts that change, live updates over SSE, and form actions behind a login (ui-auth.ts). The same use cases
// as /api/v1 answer; views turn their results into HTML.
import { type Context, Hono } from "hono";
import { z } from "zod";
import { BuildPageView } from "../../../views/build";
import { GroupMembers } from "../../../views/graph";
import { HomePage } from "../../../views/home";
import { ErrorPage, LoginPage, type Site } from "../../../views/layout";
import { BuildRow, NamespacePageView } from "../../../views/namespace";
import { urls } from "../../../views/urls";
import { ArchSchema, BuildStatusSchema, NamespaceNameSchema, PkgbaseSchema, wholeNumber } from "../../api/schemas";
import { environment } from "../../config/env";
import { Forbidden, Unauthorized } from "../../core/errors";
import type { ServerDeps } from "../deps";
import { buildLog, showBuild } from "../usecases/builds";
import { GraphViewCache } from "../usecases/graph-view";
import { retryNamespace, retryNode } from "../usecases/retry";
import { showBuildPage } from "../usecases/show-build-page";
import { showHome } from "../usecases/show-home";
import { showDepthGroup, showNamespacePage } from "../usecases/show-namespace-page";
import { updateNamespace } from "../usecases/update-namespace";
import { assetsRouter, assetUrl } from "./assets";
import { formBody, messageOf, statusOf } from "./errors";
import { authorizeAction, logIn, logOut, viewerOf } from "./ui-auth";
import { buildStream, homeStream, html, namespaceStream, UiEventLog } from "./ui-live";
import { loadUiSettings, type UiSettings } from "./ui-settings";

// Empty form fields and query parameters mean "not given".
const blank = (v: unknown) => (v === "" ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());

const PageQuery = z.object({
  arch: opt(ArchSchema),
  status: opt(BuildStatusSchema),
  q: opt(z.string().max(200, "search for at most 200 characters")),
  page: z.preprocess(blank, wholeNumber("the page").default(1)),
  node: opt(PkgbaseSchema),
  depth: opt(wholeNumber("the depth", 0)),
  done: opt(z.enum(["cancelled", "resumed", "retried", "retried-node"])),
});
const IterationId = wholeNumber("the iteration id");
const BuildId = wholeNumber("the build id");
const Depth = wholeNumber("the depth", 0);
const RetryNodeForm = z.object({ pkgbase: PkgbaseSchema, arch: opt(ArchSchema) });

/** A path on this site to come back to; anything else (other hosts, `//x`) falls back. */
function localPath(raw: unknown, fallback: string): string {
  return typeof raw === "string" && /^\/(?![/\\])[^\s]*$/.test(raw) ? raw : fallback;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Progress bars size their segments with style attributes; htmx adds its indicator style.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export function pagesRouter(
  deps: ServerDeps,
  settings: UiSettings = loadUiSettings(environment(), deps.config.gitlab),
) {
  const views = new GraphViewCache();
  const events = new UiEventLog(deps.events);
  const assets = { css: assetUrl("app.css"), htmx: assetUrl("htmx.min.js"), ui: assetUrl("ui.js") };
  const site = (c: Context): Site => {
    const url = new URL(c.req.url);
    return { csrf: viewerOf(deps, c).csrf, assets, now: deps.now(), path: url.pathname + url.search };
  };
  const live = (c: Context) => ({ deps, log: events, views, settings, csrf: viewerOf(deps, c).csrf });
  const isHtmx = (c: Context) => c.req.header("hx-request") === "true";

  /** HTML with security headers, gzipped when the browser takes it and it is worth it. */
  function send(c: Context, body: string, status: 200 | 400 | 401 | 403 | 404 | 409 | 500 = 200) {
    c.header("content-security-policy", CSP);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
    c.header("cache-control", "no-cache");
    c.header("vary", "accept-encoding, cookie");
    c.header("content-type", "text/html; charset=utf-8");
    if (body.length > 4096 && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      c.header("content-encoding", "gzip");
      return c.body(Bun.gzipSync(body, { level: 4 }), status);
    }
    return c.body(body, status);
  }

  /** A whole page. */
  const page = async (c: Context, view: unknown, status: 200 | 400 | 401 | 403 | 404 | 409 | 500 = 200) =>
    send(c, `<!doctype html>${await html(view)}`, status);

  /** A part of a page, for htmx to swap in. */
  const fragment = async (c: Context, view: unknown) => send(c, await html(view));

  const app = new Hono();
  app.onError(async (error, c) => {
    const status = statusOf(error);
    if (status >= 500) deps.log.error("page failed", { method: c.req.method, path: c.req.path, error: error.stack });
    const message = status >= 500 ? "internal server error" : messageOf(error);
    if (isHtmx(c)) return c.html(`<p class="error-box">${Bun.escapeHTML(message)}</p>`, status);
    return page(c, ErrorPage({ site: site(c), status, message }), status as 400);
  });

  app.route("/assets", assetsRouter());

  app.get("/", (c) => {
    const since = events.cursor;
    return page(c, HomePage({ site: site(c), home: showHome(deps), since }));
  });
  app.get("/events", (c) => homeStream(c, live(c)));

  // ── login ───────────────────────────────────────────────────────────────────
  app.get("/login", (c) => page(c, LoginPage({ site: site(c), next: localPath(c.req.query("next"), "/") })));
  app.post("/login", async (c) => {
    const form = await formBody(c);
    const next = localPath(form.next, "/");
    try {
      logIn(deps, c, typeof form.token === "string" ? form.token.trim() : "");
    } catch (error) {
      if (!(error instanceof Forbidden)) throw error;
      return page(c, LoginPage({ site: site(c), next, error: error.message }), 403);
    }
    return c.redirect(next, 303);
  });
  app.post("/logout", async (c) => {
    try {
      authorizeAction(deps, c, await formBody(c));
    } catch (error) {
      if (!(error instanceof Unauthorized)) throw error;
    }
    logOut(c);
    return c.redirect("/", 303);
  });

  // ── namespaces ──────────────────────────────────────────────────────────────
  const namespacePage = async (c: Context, iteration?: number) => {
    const name = NamespaceNameSchema.parse(c.req.param("name"));
    const q = PageQuery.parse(c.req.query());
    const since = events.cursor;
    const result = showNamespacePage(deps, views, name, { ...q, iteration });
    return page(
      c,
      NamespacePageView({
        site: site(c),
        page: result,
        query: { status: q.status, q: q.q, node: q.node },
        commitUrl: settings.commitUrl,
        since,
        done: q.done,
      }),
    );
  };
  app.get("/namespaces/:name", (c) => namespacePage(c));
  app.get("/namespaces/:name/iterations/:iteration", (c) =>
    namespacePage(c, IterationId.parse(c.req.param("iteration"))),
  );
  app.get("/namespaces/:name/iterations/:iteration/groups/:depth", (c) => {
    const name = NamespaceNameSchema.parse(c.req.param("name"));
    const iteration = IterationId.parse(c.req.param("iteration"));
    const arch = ArchSchema.parse(c.req.query("arch"));
    const group = showDepthGroup(deps, views, name, { iteration, arch, depth: Depth.parse(c.req.param("depth")) });
    return fragment(c, GroupMembers({ name, iteration, arch, members: group.members }));
  });
  app.get("/namespaces/:name/iterations/:iteration/events", (c) => {
    const q = PageQuery.parse(c.req.query());
    return namespaceStream(c, live(c), {
      name: NamespaceNameSchema.parse(c.req.param("name")),
      iteration: IterationId.parse(c.req.param("iteration")),
      arch: ArchSchema.parse(c.req.query("arch")),
      status: q.status,
      q: q.q,
    });
  });

  // ── actions: a form post (303 back to the page) or an htmx request (the changed fragment) ──
  const action = (
    verb: "cancel" | "resume" | "retry",
    run: (name: string) => Promise<unknown> | unknown,
    done: string,
  ) =>
    app.post(`/namespaces/:name/${verb}`, async (c) => {
      authorizeAction(deps, c, await formBody(c));
      const name = NamespaceNameSchema.parse(c.req.param("name"));
      await run(name);
      return c.redirect(`${urls.namespace(name)}?done=${done}`, 303);
    });
  action("cancel", (name) => updateNamespace(deps, name, { status: "cancelled" }), "cancelled");
  action("resume", (name) => updateNamespace(deps, name, { status: "active" }), "resumed");
  action("retry", (name) => retryNamespace(deps, name), "retried");
  app.post("/namespaces/:name/retry-node", async (c) => {
    const form = await formBody(c);
    authorizeAction(deps, c, form);
    const name = NamespaceNameSchema.parse(c.req.param("name"));
    const body = RetryNodeForm.parse(form);
    const retried = retryNode(deps, name, body.pkgbase, body.arch);
    const back = localPath(form.next, urls.namespace(name, { iteration: retried.iterationId, arch: retried.arch }));
    if (!isHtmx(c)) return c.redirect(`${back}${back.includes("?") ? "&" : "?"}done=retried-node`, 303);
    const b = showBuild(deps, retried.id);
    return fragment(
      c,
      BuildRow({
        b,
        ns: name,
        csrf: viewerOf(deps, c).csrf,
        commitUrl: settings.commitUrl,
        now: deps.now(),
        back,
        nodeLink: urls.namespace(name, { iteration: b.iteration, arch: b.arch, node: b.pkgbase }),
        active: true,
      }),
    );
  });

  // ── builds ──────────────────────────────────────────────────────────────────
  app.get("/builds/:id", (c) => {
    const id = BuildId.parse(c.req.param("id"));
    const since = events.cursor;
    return page(
      c,
      BuildPageView({ site: site(c), page: showBuildPage(deps, id), commitUrl: settings.commitUrl, since }),
    );
  });
  app.get("/builds/:id/log.txt", (c) => {
    const log = buildLog(deps, BuildId.parse(c.req.param("id")), 0);
    c.header("x-content-type-options", "nosniff");
    return c.text(log.text);
  });
  app.get("/builds/:id/events", (c) => buildStream(c, live(c), BuildId.parse(c.req.param("id"))));

  return app;
}
