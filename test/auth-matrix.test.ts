// The authorization matrix: every route of the real app (read from its route table) × every kind of caller
// (anonymous, reader, packager, admin, a bot per scope, an expired and a revoked token, the bootstrap token on
// and off, public reading on and off) → the status it must get, over real HTTP. Who may do what is written
// out here, independently of src/core/access.ts; a route added without a rule in ROUTE_RULES fails.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadServerConfig } from "../src/config/server";
import { type Rule, SCOPES, type Scope } from "../src/core/access";
import { listAudit } from "../src/db/audit";
import { listTokens, revokeToken, upsertUser } from "../src/db/identity";
import { listNamespaces } from "../src/db/namespaces";
import { createApp } from "../src/server/app";
import { isEndpoint, ROUTE_RULES } from "../src/server/http/access";
import { type RunningServer, startServer } from "../src/server/serve";
import { createBotToken, createPersonalToken } from "../src/server/usecases/manage-tokens";
import { makeTempDir, removeDir } from "./support/git";
import { freePort } from "./support/processes";

type Caller =
  | "anonymous"
  | "reader"
  | "packager"
  | "admin"
  | `bot:${Scope}`
  | "expired"
  | "revoked"
  | "bootstrap"
  | "bootstrap-off";

const BOTS = SCOPES.map((s) => `bot:${s}` as const);
const VALID: Caller[] = ["reader", "packager", "admin", ...BOTS, "bootstrap"];

/** Who gets past each rule. Written out by hand: this is the specification the code is held to. */
const ALLOWED: Record<Rule, (publicRead: boolean) => Caller[]> = {
  public: () => ["anonymous", ...VALID],
  read: (publicRead) => (publicRead ? ["anonymous", ...VALID] : VALID),
  "signed-in": () => VALID,
  "namespaces:write": () => ["packager", "admin", "bot:namespaces:write", "bot:admin", "bootstrap"],
  worker: () => ["bot:worker"],
  metrics: () => ["admin", "bot:metrics", "bot:admin", "bootstrap"],
  admin: () => ["admin", "bot:admin", "bootstrap"],
};

const ADMIN_TOKEN = "matrix-admin-token-0123456789";
/** Public routes that check a proof of their own besides Authorization (rules with ownToken do too). */
const OWN_PROOF = new Set(["POST /login", "GET /auth/callback"]);
const PARAMS: Record<string, string> = {
  name: "nope",
  namespace: "nope",
  iteration: "1",
  depth: "0",
  id: "999999",
  build: "999999",
  lease: "lease_nope",
  file: "nope-1-1-x86_64.pkg.tar.zst",
  arch: "x86_64",
};

const concrete = (path: string) =>
  path.replace(/:([a-z]+)/g, (_, p: string) => PARAMS[p] ?? "x").replace("/api/*", "/api/nothing-here");

interface Server {
  running: RunningServer;
  url: string;
  tokens: Partial<Record<Caller, string>>;
}

const tmp = makeTempDir("buildbtw-matrix-");
const servers: Record<"open" | "closed", Server> = {} as never;

async function start(name: "open" | "closed", env: Record<string, string>): Promise<Server> {
  const dataDir = join(tmp, name);
  const reposDir = join(tmp, `${name}-repos`);
  mkdirSync(reposDir, { recursive: true });
  const port = await freePort();
  const config = loadServerConfig(
    { port: String(port), interface: "127.0.0.1", "data-dir": dataDir, repos: reposDir },
    { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", BUILDBTW_AUTH_FAILURE_LIMIT: "1000000", ...env },
  );
  const running = await startServer(config);
  const deps = running.deps;
  const tokens: Server["tokens"] = {};
  for (const role of ["reader", "packager", "admin"] as const) {
    const user = upsertUser(
      deps.db,
      { subject: `sub-${role}`, name: role, email: null, groups: [], role },
      new Date().toISOString(),
    );
    tokens[role] = createPersonalToken(deps, user.id, { name: "matrix", expiresAt: null }, "test").token;
  }
  for (const scope of SCOPES)
    tokens[`bot:${scope}`] = createBotToken(
      deps,
      { name: `bot-${scope.replace(":", "-")}`, scopes: [scope], expiresAt: null },
      "test",
    ).token;
  tokens.expired = createBotToken(
    deps,
    { name: "expired", scopes: ["admin"], expiresAt: new Date(Date.now() - 60_000).toISOString() },
    "test",
  ).token;
  const revoked = createBotToken(deps, { name: "revoked", scopes: ["admin"], expiresAt: null }, "test");
  revokeToken(deps.db, revoked.record.id, "test", new Date().toISOString());
  tokens.revoked = revoked.token;
  if (env.BUILDBTW_ADMIN_TOKEN === "off") tokens["bootstrap-off"] = ADMIN_TOKEN;
  else tokens.bootstrap = ADMIN_TOKEN;
  return { running, url: `http://127.0.0.1:${port}`, tokens };
}

beforeAll(async () => {
  servers.open = await start("open", { BUILDBTW_ADMIN_TOKEN: ADMIN_TOKEN });
  servers.closed = await start("closed", { BUILDBTW_ADMIN_TOKEN: "off", BUILDBTW_PUBLIC_READ: "false" });
}, 60_000);

afterAll(async () => {
  for (const s of Object.values(servers)) await s?.running.stop();
  removeDir(tmp);
});

/** Every endpoint of the app as `METHOD path`, from Hono's own route table. */
function appRoutes(): string[] {
  const app = createApp(servers.open.running.deps);
  const keys = new Set<string>();
  for (const r of app.routes) if (isEndpoint(r.handler)) keys.add(`${r.method} ${r.path}`);
  return [...keys].sort();
}

async function call(server: Server, key: string, caller: Caller): Promise<number> {
  const [method, path] = key.split(" ") as [string, string];
  const headers = new Headers();
  const token = server.tokens[caller];
  if (token) headers.set("authorization", `Bearer ${token}`);
  const unsafe = !["GET", "HEAD"].includes(method);
  if (unsafe) headers.set("content-type", "application/json");
  const abort = new AbortController();
  const res = await fetch(`${server.url}${concrete(path)}`, {
    method: method === "ALL" ? "POST" : method,
    headers,
    body: unsafe || method === "ALL" ? "{}" : undefined,
    signal: abort.signal,
    redirect: "manual",
  });
  // Live streams stay open: the status is all this test needs.
  abort.abort();
  return res.status;
}

describe("authorization matrix", () => {
  test("every route of the app has exactly one rule, and every rule names a route", () => {
    const routes = appRoutes();
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((k) => !(k in ROUTE_RULES))).toEqual([]);
    expect(Object.keys(ROUTE_RULES).filter((k) => !routes.includes(k))).toEqual([]);
  });

  for (const [name, callers, publicRead] of [
    ["public reading, bootstrap token on", ["anonymous", ...VALID, "expired", "revoked"], true],
    [
      "BUILDBTW_PUBLIC_READ=false, BUILDBTW_ADMIN_TOKEN=off",
      ["anonymous", "reader", "bot:executor", "bootstrap-off", "admin"],
      false,
    ],
  ] as const) {
    test(`every route × caller gets the status its rule gives (${name})`, async () => {
      const server = publicRead ? servers.open : servers.closed;
      const wrong: string[] = [];
      let checked = 0;
      for (const key of appRoutes()) {
        const rule = ROUTE_RULES[key]!;
        for (const caller of callers as readonly Caller[]) {
          const status = await call(server, key, caller);
          checked++;
          let expected: string;
          let ok: boolean;
          const ownProof = rule.ownToken || OWN_PROOF.has(key);
          if (ownProof && (rule.ownToken || !["expired", "revoked", "bootstrap-off"].includes(caller))) {
            // These routes check a proof of their own (a login form's token, a login state, a pipeline's or a
            // login code); none of our callers carries it, so the route itself refuses them all.
            expected = "refused by the route's own check (400/401/403/404)";
            ok = [400, 401, 403, 404].includes(status);
          } else if (caller === "expired" || caller === "revoked" || caller === "bootstrap-off") {
            expected = "401";
            ok = status === 401;
          } else if (ALLOWED[rule.need](publicRead).includes(caller)) {
            expected = "allowed (not 401/403/429/500)";
            ok = ![401, 403, 429, 500].includes(status);
          } else {
            expected = caller === "anonymous" ? "401" : "403";
            ok = status === (caller === "anonymous" ? 401 : 403);
          }
          if (!ok) wrong.push(`${key} as ${caller}: ${status}, expected ${expected}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(200);
    }, 120_000);
  }

  test("zero unauthorised mutations: nothing was created, and every successful change came from a caller allowed to make it", () => {
    for (const server of Object.values(servers)) {
      const deps = server.running.deps;
      expect(listNamespaces(deps.db, { all: true })).toEqual([]);
      // Only the tokens this test made exist.
      expect(listTokens(deps.db).every((t) => t.createdBy === "test")).toBe(true);
      const ok = listAudit(deps.db, { limit: 10_000, result: "ok" });
      const allowedActors = new Set(["packager", "admin", "bot-namespaces-write", "bot-admin", "admin (bootstrap)"]);
      for (const e of ok) {
        const rule = Object.values(ROUTE_RULES).find((r) => r.action === e.action);
        // Logging out without a session, and the refresh a packager may ask for, are the only changes made.
        if (e.action === "logout") continue;
        expect({ action: e.action, rule: rule?.need }).toEqual({ action: "sources.refresh", rule: "namespaces:write" });
        expect(allowedActors.has(e.actor) || e.actorKind === "bootstrap").toBe(true);
      }
      // Refusals are in the audit log too, with the caller's address.
      const refused = listAudit(deps.db, { limit: 10_000, result: "refused" });
      expect(refused.length).toBeGreaterThan(50);
      expect(refused.every((e) => e.remoteAddress === "127.0.0.1")).toBe(true);
    }
  });
});
