// Single sign-on against a real OpenID provider (oidc-provider, started here on a random loopback port):
// chromium logs in through the provider's own login and consent pages; groups make a packager, an admin or a
// reader; a group removed at the provider takes effect on the next refresh, a user removed ends the session;
// logging out ends it on the server; and `buildbtw auth login` gets a personal token through the device flow.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, screenshot } from "./support/browser";
import { cliCommand } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { startProvider, type TestProvider } from "./support/oidc-provider";
import { freePort, type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
let provider: TestProvider;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-oidc-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  const port = await freePort();
  provider = await startProvider({
    clientId: "buildbtw",
    clientSecret: "test-client-secret",
    redirectUris: [`http://127.0.0.1:${port}/auth/callback`],
    users: {
      alice: { name: "Alice Packager", email: "alice@example.org", groups: ["staff", "packagers"] },
      adam: { name: "Adam Admin", email: "adam@example.org", groups: ["buildbtw-admins"] },
      rita: { name: "Rita Reader", email: "rita@example.org", groups: ["staff"] },
    },
  });
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    port,
    env: {
      BUILDBTW_REF_CHECK_INTERVAL_MS: "600000",
      BUILDBTW_OIDC_ISSUER: provider.issuer,
      BUILDBTW_OIDC_CLIENT_ID: "buildbtw",
      BUILDBTW_OIDC_CLIENT_SECRET: "test-client-secret",
      BUILDBTW_OIDC_PACKAGER_GROUPS: "packagers",
      BUILDBTW_OIDC_ADMIN_GROUPS: "buildbtw-admins",
      // Groups are read again on the first request after a second (a day in production).
      BUILDBTW_OIDC_ROLE_REFRESH_SECONDS: "1",
    },
  });
  const made = await server.api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
  });
  expect(made.status).toBe(201);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.stop();
  removeDir(tmp);
});

/** On the provider's pages: fill its login form as `login`, confirm its consent and device pages, until done. */
async function throughProvider(page: Page, login: string, done: (page: Page) => Promise<boolean>): Promise<void> {
  await waitFor(
    `the provider's pages to let ${login} through`,
    async () => {
      if (await done(page)) return true;
      if (await page.locator("input[name=login]").count()) {
        await page.fill("input[name=login]", login);
        await page.fill("input[name=password]", "any password");
        await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      } else if (await page.locator("button[type=submit]").count()) {
        await Promise.all([page.waitForNavigation(), page.locator("button[type=submit]").first().click()]);
      }
      return done(page);
    },
    30_000,
    200,
  );
}

async function logIn(login: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/login?next=/namespaces/zlib`);
  await Promise.all([page.waitForNavigation(), page.click("#sso-login")]);
  expect(page.url()).toStartWith(provider.issuer);
  await throughProvider(page, login, async (p) => p.url().startsWith(server.url));
  await page.waitForSelector("#whoami");
  return page;
}

describe("single sign-on", () => {
  test("chromium logs in through the provider's own form; groups make a packager who can act", async () => {
    const page = await logIn("alice");
    expect(new URL(page.url()).pathname).toBe("/namespaces/zlib");
    expect(await page.textContent("#whoami")).toBe("alice");
    await screenshot(page, "oidc-packager");
    await Promise.all([page.waitForNavigation(), page.click("button:text('Cancel namespace')")]);
    const detail = await server.api<{ namespace: { status: string }; activity: { actor: string; action: string }[] }>(
      "/api/v1/namespaces/zlib",
    );
    expect(detail.body.namespace.status).toBe("cancelled");
    expect(detail.body.activity[0]).toMatchObject({ actor: "alice", action: "namespace.cancel" });
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "buildbtw_session")!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe("Lax");
    await page.context().close();
  }, 60_000);

  test("a user in neither group logs in and reads, nothing more; an admin sees the admin pages", async () => {
    const rita = await logIn("rita");
    expect(await rita.textContent("#whoami")).toBe("rita");
    expect(await rita.locator("#ns-head form").count()).toBe(0);
    expect(await rita.locator("a:text('Audit log')").count()).toBe(0);
    const refused = await rita.request.post(`${server.url}/namespaces/zlib/resume`, {
      headers: { origin: server.url },
      form: { _csrf: "x" },
    });
    expect(refused.status()).toBe(403);
    await rita.context().close();

    const adam = await logIn("adam");
    await adam.click("a:text('Audit log')");
    await adam.waitForSelector("h1:text('Audit log')");
    const actions = await adam.locator("#audit tbody tr td:nth-child(3)").allTextContents();
    expect(actions).toContain("login.sso");
    expect(actions).toContain("namespace.cancel");
    await adam.goto(`${server.url}/tokens`);
    await adam.fill("#bt-name", "metrics-scraper");
    await adam.check("input[name=scopes][value=metrics]");
    await adam.click("#new-bot button[type=submit]");
    const secret = (await adam.textContent("#new-token code.secret"))!.trim();
    expect(secret).toStartWith("bbw_b_");
    expect((await server.api("/metrics", { token: secret })).status).toBe(200);
    expect((await server.api("/api/v1/audit", { token: secret })).status).toBe(403);
    // Shown once: the list never shows it again.
    await adam.goto(`${server.url}/tokens`);
    expect(await adam.content()).not.toContain(secret);
    await adam.context().close();
  }, 60_000);

  test("a group removed at the provider takes effect on the next refresh; a removed user's session ends; logout ends it too", async () => {
    const alice = await logIn("alice");
    expect(await alice.locator("button:text('Resume namespace')").count()).toBe(1);
    provider.users.get("alice")!.groups = ["staff"];
    await waitFor("alice's packager role to be gone", async () => {
      await alice.reload();
      return (await alice.locator("#ns-head form").count()) === 0 && (await alice.textContent("#whoami")) === "alice";
    });
    const users = await server.api<{ users: { name: string; role: string; groups: string[] }[] }>("/api/v1/users");
    expect(users.body.users.find((u) => u.name === "alice")).toMatchObject({ role: "reader", groups: ["staff"] });
    const usersPage = await fetch(`${server.url}/admin/users`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    }).then((r) => r.text());
    expect(usersPage).toMatch(/<td>alice<\/td><td>alice@example.org<\/td><td>reader<\/td><td>staff<\/td>/);

    const ritaPage = await logIn("rita");
    const rita = provider.users.get("rita")!;
    provider.users.delete("rita");
    await waitFor("rita's session to end", async () => {
      await ritaPage.reload();
      return (await ritaPage.locator("#whoami").count()) === 0;
    });
    provider.users.set("rita", rita);
    await ritaPage.context().close();

    // Logging out deletes the session: the old cookie is worth nothing afterwards.
    const cookie = (await alice.context().cookies()).find((c) => c.name === "buildbtw_session")!.value;
    await Promise.all([alice.waitForNavigation(), alice.click("header form button[type=submit]")]);
    expect(await alice.locator("#whoami").count()).toBe(0);
    const replay = await fetch(`${server.url}/api/v1/me`, { headers: { cookie: `buildbtw_session=${cookie}` } });
    expect(replay.status).toBe(401);
    await alice.context().close();
  }, 90_000);

  test("buildbtw auth login: the device flow, a personal token kept 0600; status; the environment wins; logout revokes it", async () => {
    const config = join(tmp, "xdg");
    const env = { ...process.env, NO_COLOR: "1", XDG_CONFIG_HOME: config, SERVER_URL: server.url, BUILDBTW_TOKEN: "" };
    const proc = Bun.spawn([...cliCommand(), "auth", "login"], { env, stdout: "pipe", stderr: "pipe" });
    let stderr = "";
    const reader = (async () => {
      const stream = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await stream.read();
        if (done) break;
        stderr += value;
      }
    })();
    const link = await waitFor("the device code", () => /\(or open (\S+)\)/.exec(stderr)?.[1]);
    expect(stderr).toMatch(/enter the code \S+/);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await throughProvider(page, "adam", async (p) => (await p.content()).includes("Sign-in Success"));
    expect(await proc.exited).toBe(0);
    await reader;
    expect(stderr).toContain(`Logged in to ${server.url} as adam (admin).`);
    await context.close();

    const file = join(config, "buildbtw", "credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, "buildbtw")).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await Bun.file(file).text())[server.url].token as string;
    expect(stored).toStartWith("bbw_p_");

    const cli = (args: string[], extra: Record<string, string> = {}) =>
      Bun.spawn([...cliCommand(), ...args], { env: { ...env, ...extra }, stdout: "pipe", stderr: "pipe" });
    const text = async (p: ReturnType<typeof cli>) => ({
      code: await p.exited,
      out: await new Response(p.stdout).text(),
      err: await new Response(p.stderr).text(),
    });
    const status = await text(cli(["auth", "status"]));
    expect(status.out).toBe(`${server.url}: adam (admin), token from ${file}\n`);
    // --token and BUILDBTW_TOKEN win over the stored token.
    const bot = await server.api<{ token: string }>("/api/v1/tokens", {
      method: "POST",
      body: JSON.stringify({ name: "ci-env", scopes: ["namespaces:write"] }),
    });
    const envWins = await text(cli(["auth", "status"], { BUILDBTW_TOKEN: bot.body.token }));
    expect(envWins.out).toBe(`${server.url}: ci-env (bot; namespaces:write), token from BUILDBTW_TOKEN\n`);
    // The stored token works for client commands.
    expect((await text(cli(["audit", "--limit", "1"]))).code).toBe(0);

    // The CLI's user loses the admin group at the provider: the role follows on the next refresh, though
    // the personal token never visits a page.
    provider.users.get("adam")!.groups = ["staff"];
    await waitFor("adam's admin role to be gone", async () =>
      (await text(cli(["auth", "status"]))).out.includes("(reader)"),
    );
    expect((await text(cli(["audit", "--limit", "1"]))).code).toBe(1);
    provider.users.get("adam")!.groups = ["buildbtw-admins"];

    const out = await text(cli(["auth", "logout"]));
    expect(out.code).toBe(0);
    const after = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${stored}` } });
    expect(after.status).toBe(401);
    expect(JSON.parse(await Bun.file(file).text())[server.url]).toBeUndefined();
    // Nothing the provider or we issued ever reached the server's log.
    expect(server.logs.join("\n")).not.toContain(stored);
  }, 120_000);

  test("buildbtw auth login --web: the browser flow hands a one-time code to a loopback address; only the CLI can use it", async () => {
    const config = join(tmp, "xdg-web");
    const env = { ...process.env, NO_COLOR: "1", XDG_CONFIG_HOME: config, SERVER_URL: server.url, BUILDBTW_TOKEN: "" };
    // No browser to open here: xdg-open is not on PATH, the address is printed.
    const proc = Bun.spawn([...cliCommand(), "auth", "login", "--web"], {
      env: { ...env, PATH: "/nonexistent" },
      stdout: "pipe",
      stderr: "pipe",
    });
    let stderr = "";
    const reader = (async () => {
      const stream = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await stream.read();
        if (done) break;
        stderr += value;
      }
    })();
    const link = await waitFor("the login address", () => /^\s+(http\S+)$/m.exec(stderr)?.[1]);
    expect(link).toStartWith(`${server.url}/auth/login?cli_port=`);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await throughProvider(
      page,
      "rita",
      async (p) =>
        p.url().startsWith("http://127.0.0.1:") &&
        !p.url().startsWith(server.url) &&
        !p.url().startsWith(provider.issuer),
    );
    expect(await page.textContent("body")).toContain("Logged in to buildbtw");
    expect(await proc.exited).toBe(0);
    await reader;
    expect(stderr).toContain(`Logged in to ${server.url} as rita (reader).`);
    // The code in the loopback address was single-use and bound to the CLI's PKCE verifier.
    const code = new URL(page.url()).searchParams.get("code")!;
    const replay = await fetch(`${server.url}/api/v1/auth/cli-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code, verifier: "x".repeat(43) }),
    });
    expect(replay.status).toBe(401);
    await context.close();
  }, 120_000);
});
