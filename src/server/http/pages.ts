// The web UI: server-rendered pages at stable URLs (readable without JavaScript), htmx fragments for the
// parts that change, live updates over SSE, and form actions behind a login (access.ts, sessions.ts). The same use cases
// as /api/v1 answer; views turn their results into HTML.
import { type Context, Hono } from "hono";
import { z } from "zod";
import { BuildPageView } from "../../../views/build";
import { GroupMembers } from "../../../views/graph";
import { HomePage } from "../../../views/home";
import { AuditPage, TokensPage, UsersPage } from "../../../views/identity";
import { ErrorPage, LoginPage, type Site } from "../../../views/layout";
import { BuildRow, NamespacePageView } from "../../../views/namespace";
import { urls } from "../../../views/urls";
import { ArchSchema, BuildStatusSchema, NamespaceNameSchema, PkgbaseSchema, wholeNumber } from "../../api/schemas";
import type { ServerDeps } from "../deps";
import { UiEventLog } from "../ui-event-log";
import { readAudit } from "../usecases/audit-log";
import { authenticateToken } from "../usecases/authenticate";
import { showBuild } from "../usecases/builds";
import { GraphViewCache } from "../usecases/graph-view";
import { listUsers } from "../usecases/list-users";
import { revokeTokenAs, visibleTokens } from "../usecases/manage-tokens";
import { retryNamespace, retryNode } from "../usecases/retry";
import { showBuildPage } from "../usecases/show-build-page";
import { showHome } from "../usecases/show-home";
import { namespaceTarget } from "../usecases/show-namespace";
import { showDepthGroup, showNamespacePage } from "../usecases/show-namespace-page";
import { updateNamespace } from "../usecases/update-namespace";
import { remoteAddress } from "./access";
import { assetsRouter, assetUrl } from "./assets";
import { formBody, messageOf, statusOf } from "./errors";
import { html } from "./html";
import { auditJson, CreateTokenRequest, createTokenAs, tokenJson } from "./identity";
import { parseRange } from "./range";
import { closeSession, openSession, viewerOf } from "./sessions";
import { buildStream, homeStream, namespaceStream } from "./ui-live";
import { uiSettings } from "./ui-settings";

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
const AuditFilter = z.object({
  actor: opt(z.string().max(200)),
  target: opt(z.string().max(400)),
  result: opt(z.enum(["ok", "refused", "failed"])),
});

/** A path on this site to come back to; anything else (other hosts, `//x`) falls back. */
function localPath(raw: unknown, fallback: string): string {
  return typeof raw === "string" && /^\/(?![/\\])[^\s]*$/.test(raw) ? raw : fallback;
}

export function pagesRouter(deps: ServerDeps) {
  const settings = uiSettings(deps.config.ui);
  const views = new GraphViewCache();
  const events = new UiEventLog(deps.events);
  const assets = { css: assetUrl("app.css"), htmx: assetUrl("htmx.min.js"), ui: assetUrl("ui.js") };
  const site = (c: Context): Site => {
    const url = new URL(c.req.url);
    const viewer = viewerOf(deps, c);
    return {
      csrf: viewer.csrf,
      actions: viewer.canWrite ? viewer.csrf : null,
      user: viewer.name,
      admin: viewer.isAdmin,
      assets,
      now: deps.now(),
      path: url.pathname + url.search,
    };
  };
  const actionsCsrf = (c: Context) => {
    const viewer = viewerOf(deps, c);
    return viewer.canWrite ? viewer.csrf : null;
  };
  const live = (c: Context) => ({ deps, log: events, views, settings, csrf: actionsCsrf(c) });
  const isHtmx = (c: Context) => c.req.header("hx-request") === "true";

  /** HTML (access.ts adds the security headers), gzipped when the browser takes it and it is worth it. */
  function send(c: Context, body: string, status: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 429 | 500 = 200) {
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
  const page = async (c: Context, view: unknown, status: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 429 | 500 = 200) =>
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

  app.get("/", async (c) => {
    const since = events.cursor;
    return page(c, HomePage({ site: site(c), home: await showHome(deps), since }));
  });
  app.get("/events", (c) => homeStream(c, live(c)));

  // ── login ───────────────────────────────────────────────────────────────────
  const sso = deps.config.oidc !== null;
  app.get("/login", (c) =>
    page(
      c,
      LoginPage({
        site: site(c),
        next: localPath(c.req.query("next"), "/"),
        sso,
      }),
    ),
  );
  // A personal token or the bootstrap admin token opens a session; bot tokens are for machines.
  app.post("/login", async (c) => {
    const form = await formBody(c);
    const next = localPath(form.next, "/");
    const token = typeof form.token === "string" ? form.token.trim() : "";
    const found = token ? authenticateToken(deps, token) : null;
    const principal = found?.ok ? found.principal : null;
    if (principal?.kind !== "bootstrap" && principal?.kind !== "user") {
      deps.authFailures.fail(remoteAddress(c));
      c.set("auditTarget", "session");
      const error = "that is not a personal token or the admin token";
      return page(c, LoginPage({ site: site(c), next, error, sso }), 403);
    }
    c.set("principal", principal);
    c.set("auditTarget", "session");
    openSession(deps, c, principal.kind === "user" ? principal.userId : null);
    return c.redirect(next, 303);
  });
  app.post("/logout", async (c) => {
    const session = c.get("session");
    if (session) {
      const form = await formBody(c);
      const viewer = viewerOf(deps, c);
      // A logout from another page's forged form would be a nuisance, not a danger; still, ask for the token.
      if (typeof form._csrf !== "string" || form._csrf !== viewer.csrf) {
        return page(
          c,
          ErrorPage({
            site: site(c),
            status: 403,
            message: "the logout form's CSRF token is stale: reload and try again",
          }),
          403,
        );
      }
    }
    c.set("auditTarget", "session");
    closeSession(deps, c);
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
      const name = NamespaceNameSchema.parse(c.req.param("name"));
      c.set("auditTarget", namespaceTarget(name));
      await run(name);
      return c.redirect(`${urls.namespace(name)}?done=${done}`, 303);
    });
  action("cancel", (name) => updateNamespace(deps, name, { status: "cancelled" }), "cancelled");
  action("resume", (name) => updateNamespace(deps, name, { status: "active" }), "resumed");
  action("retry", (name) => retryNamespace(deps, name), "retried");
  app.post("/namespaces/:name/retry-node", async (c) => {
    const form = await formBody(c);
    const name = NamespaceNameSchema.parse(c.req.param("name"));
    c.set("auditTarget", namespaceTarget(name));
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
        csrf: actionsCsrf(c),
        commitUrl: settings.commitUrl,
        now: deps.now(),
        back,
        nodeLink: urls.namespace(name, { iteration: b.iteration, arch: b.arch, node: b.pkgbase }),
        active: true,
      }),
    );
  });

  // ── tokens and the audit log ──────────────────────────────────────────────────
  const tokensPage = (c: Context, created?: { name: string; token: string }) => {
    const who = c.get("principal");
    const tokens = visibleTokens(deps, who).map(tokenJson);
    return page(
      c,
      TokensPage({
        site: site(c),
        tokens,
        isUser: who.kind === "user",
        created,
      }),
      created ? 201 : 200,
    );
  };
  app.get("/tokens", (c) => tokensPage(c));
  app.post("/tokens", async (c) => {
    const form = await formBody(c, true);
    const one = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    const scopes = form.bot ? [form.scopes ?? []].flat().filter((v): v is string => typeof v === "string") : undefined;
    const body = CreateTokenRequest.parse({
      name: one(form.name),
      scopes,
      expires: one(form.expires),
    });
    c.set("auditTarget", `token ${body.name}`);
    const { token, record } = createTokenAs(deps, c.get("principal"), body);
    return tokensPage(c, { name: record.name, token });
  });
  app.post("/tokens/:id/revoke", (c) => {
    const t = revokeTokenAs(deps, BuildId.parse(c.req.param("id")), c.get("principal"));
    c.set("auditTarget", `token ${t.name}`);
    return c.redirect(urls.tokens(), 303);
  });
  app.get("/admin/users", (c) =>
    page(
      c,
      UsersPage({
        site: site(c),
        users: listUsers(deps).map((u) => ({
          name: u.name,
          email: u.email,
          role: u.role,
          groups: u.groups,
          last_login_at: u.lastLoginAt,
        })),
      }),
    ),
  );
  app.get("/admin/audit", (c) => {
    const query = AuditFilter.parse(c.req.query());
    const entries = readAudit(deps, { limit: 500, ...query }).map(auditJson);
    return page(c, AuditPage({ site: site(c), entries, query }));
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
  // The stored log (head, a note of what was dropped, tail) streamed from its files, with Range.
  app.on(["GET", "HEAD"], "/builds/:id/log.txt", (c) => {
    const id = BuildId.parse(c.req.param("id"));
    showBuild(deps, id); // 404 for an unknown build
    const size = deps.logs.storedSize(id);
    const headers: Record<string, string> = {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      "accept-ranges": "bytes",
      "cache-control": "no-cache",
    };
    const range = parseRange(c.req.header("range"), size);
    if (range.kind === "unsatisfiable")
      return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
    const [start, end] = range.kind === "partial" ? [range.start, range.end + 1] : [0, size];
    headers["content-length"] = String(end - start);
    if (range.kind === "partial") headers["content-range"] = `bytes ${start}-${end - 1}/${size}`;
    const body = c.req.method === "HEAD" ? null : deps.logs.stream(id, start, end);
    return new Response(body, { status: range.kind === "partial" ? 206 : 200, headers });
  });
  app.get("/builds/:id/events", (c) => buildStream(c, live(c), BuildId.parse(c.req.param("id"))));

  return app;
}
