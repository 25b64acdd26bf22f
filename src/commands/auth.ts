// `buildbtw auth login|status|logout`: a personal token for this CLI, from the server's single sign-on. Login
// uses the OAuth device flow when the identity provider offers it (a code to enter in any browser), else the
// browser flow handing back to a loopback address on this machine, as gh and glab do. The token is kept
// 0600 under $XDG_CONFIG_HOME/buildbtw/; --token and BUILDBTW_TOKEN still win over it.
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { defineCommand } from "citty";
import { z } from "zod";
import { api } from "../api/routes";
import { Me } from "../api/schemas";
import { credentialsFile, forgetToken, storeToken } from "../client/credentials";
import { clientFlags, loadClientConfig } from "../config/client";
import { Invalid, Unauthorized } from "../core/errors";
import { execute, jsonFlag, printJson } from "./support";

const AuthInfo = z.object({ sso: z.boolean(), device_flow: z.boolean() });
const DeviceStart = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string().nullable(),
  interval: z.number(),
  expires_in: z.number(),
});
const Issued = z.object({ token: z.string() });
const ErrorBody = z.object({ error: z.string() });

async function call<T extends z.ZodType>(
  schema: T,
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; body: z.output<T> }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body) headers.set("content-type", "application/json");
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers });
  } catch (error) {
    throw new Invalid(`cannot reach the buildbtw server at ${new URL(url).origin}: ${String(error)}`);
  }
  const data = await res.json().catch(() => null);
  if (res.status >= 400) {
    const sentence = ErrorBody.safeParse(data).data?.error ?? `${res.status} ${res.statusText}`;
    throw res.status === 401 || res.status === 403 ? new Unauthorized(sentence) : new Invalid(sentence);
  }
  return { status: res.status, body: schema.parse(data) };
}

const label = () => `cli-${hostname()}`.replace(/[^A-Za-z0-9@._+-]/g, "-").slice(0, 64);

async function deviceLogin(server: string): Promise<string> {
  const start = (await call(DeviceStart, `${server}${api.authDevice}`, { method: "POST", body: "{}" })).body;
  process.stderr.write(
    `To log in, open ${start.verification_uri} and enter the code ${start.user_code}\n` +
      (start.verification_uri_complete ? `(or open ${start.verification_uri_complete})\n` : "") +
      "Waiting for the login…\n",
  );
  let interval = Math.max(1, start.interval);
  const deadline = Date.now() + start.expires_in * 1000;
  while (Date.now() < deadline) {
    await Bun.sleep(interval * 1000);
    const polled = await call(
      z.union([Issued, z.object({ pending: z.literal(true), slow_down: z.boolean() })]),
      `${server}${api.authDeviceToken}`,
      {
        method: "POST",
        body: JSON.stringify({ device_code: start.device_code, label: label() }),
      },
    );
    if ("token" in polled.body) return polled.body.token;
    if (polled.body.slow_down) interval += 5;
  }
  throw new Unauthorized("the device login expired before it was confirmed; run `buildbtw auth login` again");
}

async function browserLogin(server: string): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const { promise: code, resolve } = Promise.withResolvers<string>();
  const listener = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      const given = url.pathname === "/callback" ? url.searchParams.get("code") : null;
      if (!given) return new Response("not found", { status: 404 });
      resolve(given);
      return new Response("Logged in to buildbtw: you may close this window.\n", {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    },
  });
  try {
    const url = `${server}/auth/login?cli_port=${listener.port}&cli_challenge=${challenge}`;
    process.stderr.write(`To log in, open this address in your browser:\n  ${url}\nWaiting for the login…\n`);
    try {
      Bun.spawn(["xdg-open", url], { stdout: "ignore", stderr: "ignore" });
    } catch {}
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Unauthorized("no login within 10 minutes; run `buildbtw auth login` again")),
        600_000,
      ).unref(),
    );
    const got = await Promise.race([code, timeout]);
    const issued = await call(Issued, `${server}${api.authCliToken}`, {
      method: "POST",
      body: JSON.stringify({ code: got, verifier, label: label() }),
    });
    return issued.body.token;
  } finally {
    await listener.stop(true);
  }
}

const login = defineCommand({
  meta: {
    name: "login",
    description: "Log in through the server's single sign-on and keep a personal token for this CLI",
  },
  args: {
    web: { type: "boolean", description: "Use the browser flow even when the device flow is offered", default: false },
    "with-token": { type: "boolean", description: "Store a personal token read from stdin instead", default: false },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const { serverUrl } = loadClientConfig({ "server-url": args["server-url"] });
      let token: string;
      if (args["with-token"]) {
        token = (await new Response(Bun.stdin.stream()).text()).trim();
        if (!token) throw new Invalid("--with-token reads the token from stdin, and it was empty");
      } else {
        const info = (await call(AuthInfo, `${serverUrl}${api.auth}`)).body;
        if (!info.sso)
          throw new Invalid(
            `the server at ${serverUrl} has no single sign-on; ask an admin for a token and use --with-token or BUILDBTW_TOKEN`,
          );
        token = info.device_flow && !args.web ? await deviceLogin(serverUrl) : await browserLogin(serverUrl);
      }
      const me = (await call(Me, `${serverUrl}${api.me}`, { token })).body;
      storeToken(serverUrl, token, me.name);
      if (args.json) printJson(me);
      else process.stderr.write(`Logged in to ${serverUrl} as ${me.name} (${me.role ?? me.kind}).\n`);
      return 0;
    }),
});

const status = defineCommand({
  meta: { name: "status", description: "Who this CLI acts as on the server, and where its token comes from" },
  args: { ...clientFlags, ...jsonFlag },
  run: ({ args }) =>
    execute(async () => {
      const config = loadClientConfig(args);
      if (!config.token) throw new Unauthorized(`not logged in to ${config.serverUrl}: run \`buildbtw auth login\``);
      const me = (await call(Me, `${config.serverUrl}${api.me}`, { token: config.token })).body;
      const from =
        config.tokenFrom === "login" ? credentialsFile() : config.tokenFrom === "flag" ? "--token" : "BUILDBTW_TOKEN";
      if (args.json) printJson({ ...me, server_url: config.serverUrl, token_from: config.tokenFrom });
      else
        process.stdout.write(
          `${config.serverUrl}: ${me.name} (${me.role ?? me.kind}${me.scopes.length ? `; ${me.scopes.join(", ")}` : ""}), token from ${from}\n`,
        );
      return 0;
    }),
});

const logout = defineCommand({
  meta: { name: "logout", description: "Revoke this CLI's personal token on the server and forget it" },
  args: { "server-url": clientFlags["server-url"] },
  run: ({ args }) =>
    execute(async () => {
      const config = loadClientConfig({ "server-url": args["server-url"] }, { ...process.env, BUILDBTW_TOKEN: "" });
      if (config.tokenFrom !== "login" || !config.token)
        throw new Invalid(`not logged in to ${config.serverUrl} (no stored token)`);
      try {
        const me = (await call(Me, `${config.serverUrl}${api.me}`, { token: config.token })).body;
        if (me.token_id !== null)
          await call(z.unknown(), `${config.serverUrl}${api.token(me.token_id)}`, {
            method: "DELETE",
            token: config.token,
          });
      } catch (error) {
        // A token the server no longer accepts is forgotten all the same.
        if (!(error instanceof Unauthorized)) throw error;
      }
      forgetToken(config.serverUrl);
      process.stderr.write(`Logged out of ${config.serverUrl}.\n`);
      return 0;
    }),
});

export default defineCommand({
  meta: {
    name: "auth",
    description: "Log in through single sign-on (login), show who you are (status), log out (logout)",
  },
  subCommands: { login, status, logout },
});
