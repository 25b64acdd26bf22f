// People and bots against a real `serve`: personal tokens act with their user's current role, bot tokens with
// their scopes; expired and revoked tokens are refused; every change records who made it (namespaces show
// their creator and changes, the audit log everything including refusals); browsers are held to CSRF tokens
// and their own origin; every response carries the security headers; guessing tokens is rate-limited; and no
// token or session id ever shows up in a log line or a page. Users are made in the server's SQLite file, as
// single sign-on would make them (test/oidc.test.ts does it through a real provider).
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { NamespaceDetail } from "../src/api/schemas";
import { setUserRole, upsertUser } from "../src/db/identity";
import { MIGRATIONS } from "../src/db/migrations";
import { type Db, openDatabase } from "../src/db/open";
import { createBotToken, createPersonalToken } from "../src/server/usecases/manage-tokens";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
let server: ServerProcess;
let db: Db;
const tokens: Record<string, string> = {};
const ids: Record<string, number> = {};

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-identity-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  makeRepo(repos, "solo", srcinfo({ pkgbase: "solo" }));
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", BUILDBTW_AUTH_FAILURE_LIMIT: "1000" },
  });
  db = openDatabase(join(tmp, "data", "buildbtw.sqlite"));
  for (const [name, role] of [
    ["alice", "packager"],
    ["rita", "reader"],
    ["adam", "admin"],
  ] as const) {
    const user = upsertUser(
      db,
      { subject: `sub-${name}`, name, email: `${name}@example.org`, groups: [], role },
      new Date().toISOString(),
    );
    ids[name] = user.id;
    tokens[name] = createPersonalToken(
      { db, now: Date.now },
      user.id,
      { name: "laptop", expiresAt: null },
      "test",
    ).token;
  }
});

afterAll(async () => {
  db?.$client.close();
  await server?.stop();
  removeDir(tmp);
});

const body = (origin: string, name?: string) => JSON.stringify({ origin_changesets: [origin], name });
const detail = async (name: string) => (await server.api<NamespaceDetail>(`/api/v1/namespaces/${name}`)).body;

describe("people and bots", () => {
  test("a personal token acts as its user with the user's current role", async () => {
    expect(
      (await server.api("/api/v1/namespaces", { method: "POST", body: body("zlib/main"), token: tokens.rita })).status,
    ).toBe(403);
    const made = await server.api<{ created_by: string }>("/api/v1/namespaces", {
      method: "POST",
      body: body("zlib/main"),
      token: tokens.alice,
    });
    expect(made.status).toBe(201);
    expect(made.body.created_by).toBe("alice");
    const me = await server.api<{ name: string; role: string; can: { write_namespaces: boolean } }>("/api/v1/me", {
      token: tokens.alice,
    });
    expect(me.body).toMatchObject({ name: "alice", role: "packager", can: { write_namespaces: true } });
    // The role changes (her groups changed at the provider): the same token follows at once.
    setUserRole(db, ids.alice!, [], "reader");
    const refused = await server.api<{ error: string }>("/api/v1/namespaces/zlib", {
      method: "PATCH",
      body: JSON.stringify({ status: "cancelled" }),
      token: tokens.alice,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("packager role");
    setUserRole(db, ids.alice!, [], "packager");
    // Reading needs nothing.
    expect((await server.api("/api/v1/namespaces/zlib", { token: null })).status).toBe(200);
  });

  test("bot tokens: made by admins only, shown once, scoped, listed with their last use, revocable; expired and revoked ones get 401", async () => {
    const denied = await server.api<{ error: string }>("/api/v1/tokens", {
      method: "POST",
      body: JSON.stringify({ name: "ci", scopes: ["namespaces:write"] }),
      token: tokens.alice,
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("only admins may create bot tokens");
    const made = await server.api<{ token: string; id: number; scopes: string[]; expires_at: string }>(
      "/api/v1/tokens",
      {
        method: "POST",
        body: JSON.stringify({ name: "ci", scopes: ["namespaces:write"], expires: "1h" }),
        token: tokens.adam,
      },
    );
    expect(made.status).toBe(201);
    expect(made.body.token).toStartWith("bbw_b_");
    expect(made.body.scopes).toEqual(["namespaces:write"]);
    const ci = made.body.token;
    const created = await server.api<{ created_by: string }>("/api/v1/namespaces", {
      method: "POST",
      body: body("solo/main"),
      token: ci,
    });
    expect(created.body.created_by).toBe("ci");
    // A namespaces:write bot is no admin and no worker.
    expect((await server.api("/api/v1/audit", { token: ci })).status).toBe(403);
    const lease = JSON.stringify({ architectures: ["x86_64"], wait_ms: 0 });
    expect((await server.api("/api/v1/leases", { method: "POST", body: lease, token: ci })).status).toBe(403);

    const listed = await server.api<{ tokens: { id: number; name: string; last_used_at: string | null }[] }>(
      "/api/v1/tokens",
      { token: tokens.adam },
    );
    expect(listed.body.tokens.find((t) => t.id === made.body.id)?.last_used_at).not.toBeNull();
    // Tokens are never listed, hashed or not.
    const raw = JSON.stringify(listed.body);
    expect(raw).not.toContain(ci);
    expect(raw).not.toContain(createHash("sha256").update(ci).digest("hex"));
    // A packager sees only her own tokens.
    const hers = await server.api<{ tokens: { name: string; kind: string }[] }>("/api/v1/tokens", {
      token: tokens.alice,
    });
    expect(hers.body.tokens.map((t) => [t.kind, t.name])).toEqual([["personal", "laptop"]]);

    const revoked = await server.api<{ revoked_by: string }>(`/api/v1/tokens/${made.body.id}`, {
      method: "DELETE",
      token: tokens.adam,
    });
    expect(revoked.body.revoked_by).toBe("adam");
    const after = await server.api<{ error: string }>("/api/v1/namespaces/solo", {
      method: "PATCH",
      body: JSON.stringify({ status: "cancelled" }),
      token: ci,
    });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe("this token is not valid (unknown, expired or revoked)");

    const expired = createBotToken(
      { db, now: Date.now },
      { name: "old", scopes: ["admin"], expiresAt: new Date(Date.now() - 1000).toISOString() },
      "test",
    ).token;
    expect((await server.api("/api/v1/audit", { token: expired })).status).toBe(401);
    // Someone else's token cannot be revoked by a packager.
    expect((await server.api(`/api/v1/tokens/${made.body.id}`, { method: "DELETE", token: tokens.alice })).status).toBe(
      403,
    );
  });

  test("cancel, resume and retry record who did them: the namespace's activity, the audit log, `buildbtw audit`", async () => {
    const patch = (status: string, token: string) =>
      server.api("/api/v1/namespaces/zlib", { method: "PATCH", body: JSON.stringify({ status }), token });
    expect((await patch("cancelled", tokens.alice!)).status).toBe(200);
    expect((await patch("active", tokens.adam!)).status).toBe(200);
    expect(
      (await server.api("/api/v1/namespaces/zlib/iterations", { method: "POST", token: tokens.alice })).status,
    ).toBe(201);
    const activity = (await detail("zlib")).activity.map((a) => [a.actor, a.action]);
    expect(activity).toEqual([
      ["alice", "namespace.retry"],
      ["adam", "namespace.update"],
      ["alice", "namespace.update"],
      ["alice", "namespace.create"],
    ]);
    const page = await fetch(`${server.url}/namespaces/zlib`).then((r) => r.text());
    expect(page).toContain('by <span class="actor">alice</span>');

    const audit = await server.cli(["audit", "--json", "--target", "namespace zlib"], { BUILDBTW_TOKEN: tokens.adam! });
    expect(audit.code).toBe(0);
    const entries = JSON.parse(audit.stdout).entries as {
      actor: string;
      action: string;
      result: string;
      remote_address: string;
    }[];
    expect(entries.filter((e) => e.result === "ok").map((e) => e.action)).toEqual([
      "namespace.retry",
      "namespace.update",
      "namespace.update",
      "namespace.create",
    ]);
    // The refused attempts are there too, with who tried and from where.
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: "alice",
        action: "namespace.update",
        result: "refused",
        remote_address: "127.0.0.1",
      }),
    );
    const human = await server.cli(["audit", "--limit", "5"], { BUILDBTW_TOKEN: tokens.adam! });
    expect(human.stdout.split("\n").filter(Boolean)).toHaveLength(5);
    const reader = await server.cli(["audit"], { BUILDBTW_TOKEN: tokens.rita! });
    expect(reader.code).toBe(1);
    expect(reader.stderr).toStartWith("buildbtw: this needs the admin role");
    const anonymous = await fetch(`${server.url}/api/v1/audit`);
    expect(anonymous.status).toBe(401);
  });

  test("browsers: a cross-site or token-less form post is refused with 403 and changes nothing", async () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: form(fields),
      });
    // Logging in from another site is refused too (login CSRF).
    expect((await post("/login", { token: tokens.alice! }, { origin: "https://evil.test" })).status).toBe(403);
    const login = await post("/login", { token: tokens.alice!, next: "/namespaces/zlib" }, { origin: server.url });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const page = await fetch(`${server.url}/namespaces/zlib`, { headers: { cookie } }).then((r) => r.text());
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    expect(page).toContain('<span class="small muted" id="whoami">alice</span>');
    const attempts: Record<string, string>[] = [
      { origin: "https://evil.test" },
      { referer: "https://evil.test/page" },
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of attempts) {
      const res = await post("/namespaces/zlib/cancel", { _csrf: csrf }, { cookie, ...headers });
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
    }
    expect((await post("/namespaces/zlib/cancel", {}, { cookie, origin: server.url })).status).toBe(403);
    expect((await detail("zlib")).namespace.status).toBe("active");
    const ok = await post("/namespaces/zlib/cancel", { _csrf: csrf }, { cookie, origin: server.url });
    expect(ok.status).toBe(303);
    expect((await detail("zlib")).namespace.status).toBe("cancelled");
    expect((await detail("zlib")).activity[0]).toMatchObject({ actor: "alice", action: "namespace.cancel" });
    // A reader's page has no action forms; logging out ends the session on the server.
    const out = await post("/logout", { _csrf: csrf }, { cookie, origin: server.url });
    expect(out.status).toBe(303);
    expect((await post("/namespaces/zlib/resume", { _csrf: csrf }, { cookie, origin: server.url })).status).toBe(401);
  });

  test("every response carries the security headers; the CSP allows only this server's scripts and styles", async () => {
    for (const path of [
      "/",
      "/login",
      "/namespaces/zlib",
      "/namespaces/nope",
      "/api/v1/namespaces",
      "/api/v1/audit",
      "/healthz",
    ]) {
      const res = await fetch(`${server.url}${path}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect({ path, frame: csp.includes("frame-ancestors 'none'") }).toEqual({ path, frame: true });
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      if ((res.headers.get("content-type") ?? "").startsWith("text/html")) {
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("style-src 'self'");
      }
    }
  });

  test("no token and no session id ever appears in the server's log or pages", async () => {
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
      body: new URLSearchParams({ token: tokens.adam! }).toString(),
    });
    const session = login.headers.get("set-cookie")!.split(";")[0]!.split("=")[1]!;
    const pages = await Promise.all(
      ["/", "/tokens", "/admin/audit", "/namespaces/zlib"].map((p) =>
        fetch(`${server.url}${p}`, { headers: { cookie: `buildbtw_session=${session}` } }).then((r) => r.text()),
      ),
    );
    expect(pages[2]).toContain("<h1>Audit log</h1>");
    const secrets = [...Object.values(tokens), session, server.adminToken];
    for (const secret of secrets) {
      for (const text of [...pages, server.logs.join("\n")]) expect(text.includes(secret)).toBe(false);
    }
    // What is stored is hashes only.
    const stored = db.$client.query("SELECT token_hash FROM tokens UNION ALL SELECT id_hash FROM sessions").all();
    for (const secret of secrets) expect(JSON.stringify(stored).includes(secret)).toBe(false);
  });
});

describe("guessing tokens", () => {
  let guarded: ServerProcess;
  beforeAll(async () => {
    guarded = await startServer({
      dataDir: join(tmp, "data-guarded"),
      reposDir: join(tmp, "repos"),
      env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", BUILDBTW_AUTH_FAILURE_LIMIT: "5" },
    });
  });
  afterAll(async () => guarded?.stop());

  test("failed token checks and logins are limited per address: 429 with Retry-After, logged, audited", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await guarded.api("/api/v1/me", { token: `bbw_p_guess${i}` })).status);
    const login = await fetch(`${guarded.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=bbw_p_guess-login",
    });
    statuses.push(login.status);
    expect(statuses).toEqual([401, 401, 401, 401, 403]);
    // Even the right token waits now; anonymous reading goes on.
    const limited = await guarded.api<{ error: string }>("/api/v1/me", { token: guarded.adminToken });
    expect(limited.status).toBe(429);
    const res = await fetch(`${guarded.url}/api/v1/me`, { headers: { authorization: "Bearer x" } });
    const wait = Number(res.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect((await guarded.api("/api/v1/namespaces", { token: null })).status).toBe(200);
    const refusals = await waitFor("the refusals in the log", () => {
      const lines = guarded.logs.filter((l) => l.includes('"request refused"'));
      return lines.length >= 6 ? lines : undefined;
    });
    expect(refusals.some((l) => l.includes('"status":429'))).toBe(true);
    expect(guarded.logs.join("\n")).not.toContain("bbw_p_guess");
    const audit = openDatabase(join(tmp, "data-guarded", "buildbtw.sqlite"));
    try {
      const rows = audit.$client.query("SELECT detail FROM audit_log WHERE status = 429").all() as { detail: string }[];
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows[0]!.detail).toBe("rate limited");
    } finally {
      audit.$client.close();
    }
  });
});

test("worker tokens made before this version become bot tokens with the worker scope", () => {
  const path = join(tmp, "old.sqlite");
  const old = new Database(path, { create: true });
  old.exec("CREATE TABLE buildbtw_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT 'x')");
  for (const m of MIGRATIONS.slice(
    0,
    MIGRATIONS.findIndex((m) => m.name.endsWith("_identity")),
  )) {
    for (const statement of m.sql.split("--> statement-breakpoint")) if (statement.trim()) old.exec(statement);
    old.query("INSERT INTO buildbtw_migrations (name) VALUES (?)").run(m.name);
  }
  const token = "bbw_w_an-old-worker-token";
  old
    .query("INSERT INTO workers (name, token_hash) VALUES (?, ?)")
    .run("builder1", createHash("sha256").update(token).digest("hex"));
  old.close();
  const migrated = openDatabase(path);
  try {
    const row = migrated.$client.query("SELECT kind, name, scopes FROM tokens").get();
    expect(row).toEqual({ kind: "bot", name: "builder1", scopes: '["worker"]' });
    expect(migrated.$client.query("SELECT name FROM workers").all()).toEqual([{ name: "builder1" }]);
  } finally {
    migrated.$client.close();
  }
});
