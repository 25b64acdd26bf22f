// The frame of every page: landmarks, the site header with login state, and the embedded assets.
import type { Child } from "hono/jsx";
import { CsrfField } from "./components";
import { urls } from "./urls";

/** What every page needs besides its own data. */
export interface Site {
  /** Set when the reader is logged in with a session: the logout form carries it. */
  csrf: string | null;
  /** The CSRF token for action forms, set only when the reader may act (packager or admin). */
  actions: string | null;
  /** Who is logged in, as the audit log names them. */
  user: string | null;
  /** Whether the reader sees the admin pages. */
  admin: boolean;
  assets: { css: string; htmx: string; ui: string };
  /** The render time, for "5 min ago" and running durations. */
  now: number;
  /** The page's own path and query, to come back to after logging in. */
  path: string;
}

export function Layout(p: { site: Site; title: string; children: Child; live?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        {/* htmx would otherwise add a <style> element, which the Content-Security-Policy refuses. */}
        <meta name="htmx-config" content='{"includeIndicatorStyles":false}' />
        <title>{p.title} · buildbtw</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={p.site.assets.css} />
        <script src={p.site.assets.htmx} defer />
        <script src={p.site.assets.ui} defer />
      </head>
      <body>
        <a class="visually-hidden" href="#main">
          Skip to content
        </a>
        <header class="site">
          <a class="brand" href={urls.home()}>
            buildbtw
          </a>
          <nav aria-label="Site">
            <a href={urls.home()}>Namespaces</a>
            <a href={`${urls.home()}#running`}>Running builds</a>
            <a href={`${urls.home()}#workers`}>Workers</a>
            {p.site.user ? <a href={urls.tokens()}>Tokens</a> : null}
            {p.site.admin ? <a href={urls.users()}>Users</a> : null}
            {p.site.admin ? <a href={urls.audit()}>Audit log</a> : null}
          </nav>
          <span class="small muted" aria-live="polite">
            {p.live ? (
              <span data-live={p.live}>
                <span id="live-state">connecting…</span>
              </span>
            ) : null}
          </span>
          {p.site.csrf ? (
            <form method="post" action={urls.logout()}>
              <span class="small muted" id="whoami">
                {p.site.user}
              </span>{" "}
              <CsrfField csrf={p.site.csrf} />
              <button type="submit" class="small">
                Log out
              </button>
            </form>
          ) : p.site.user ? (
            <span class="small muted" id="whoami">
              {p.site.user}
            </span>
          ) : (
            <a href={urls.login(p.site.path)}>Log in</a>
          )}
        </header>
        <main id="main">
          <div id="flash" role="status" aria-live="polite" />
          <div id="live-notice" class="notice" role="status" aria-live="polite" />
          {p.children}
        </main>
      </body>
    </html>
  );
}

export function ErrorPage(p: { site: Site; status: number; message: string }) {
  const title = p.status === 404 ? "Not found" : p.status === 401 || p.status === 403 ? "Not allowed" : "Error";
  return (
    <Layout site={p.site} title={title}>
      <h1>{title}</h1>
      <p class="error-box">{p.message}</p>
      {p.status === 401 ? (
        <p>
          <a href={urls.login(p.site.path)}>Log in</a>
        </p>
      ) : null}
      <p>
        <a href={urls.home()}>All namespaces</a>
      </p>
    </Layout>
  );
}

export function LoginPage(p: { site: Site; next: string; error?: string; sso: boolean }) {
  return (
    <Layout site={p.site} title="Log in">
      <h1>Log in</h1>
      {p.error ? <p class="error-box">{p.error}</p> : null}
      {p.sso ? (
        <p>
          <a class="button" id="sso-login" href={urls.ssoLogin(p.next)}>
            Log in with single sign-on
          </a>
        </p>
      ) : null}
      <p>
        Or log in with a personal token (from <code>buildbtw auth login</code>) or, for set-up and emergencies, the
        server's bootstrap admin token (<code>BUILDBTW_ADMIN_TOKEN</code>, or the file <code>admin-token</code> in the
        server's data directory).
      </p>
      <form method="post" action="/login">
        <input type="hidden" name="next" value={p.next} />
        <p>
          <label for="token">Token</label>{" "}
          <input id="token" name="token" type="password" autocomplete="current-password" required size={40} />{" "}
          <button type="submit">Log in</button>
        </p>
      </form>
    </Layout>
  );
}
