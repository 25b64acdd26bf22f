// Real buildbtw processes for end-to-end tests: a server on a free port, workers, and deadline waits.

import { join } from "node:path";
import type { Subprocess } from "bun";
import { type CliResult, cliCommand, runCli, runCliJson } from "./cli";

export async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = s.port!;
  await s.stop(true);
  return port;
}

/** Poll `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
  every = 50,
): Promise<Exclude<T, null | undefined | false>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, null | undefined | false>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
    await Bun.sleep(every);
  }
}

export interface ServerProcess {
  url: string;
  adminToken: string;
  dataDir: string;
  proc: Subprocess;
  logs: string[];
  /** Create a worker token through the real `token create` command. */
  workerToken(name: string): Promise<string>;
  api<T = unknown>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T }>;
  /** The CLI pointed at this server (SERVER_URL) with the admin token; `env` adds to or overrides that. */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** `cli` with --json: the parsed stdout, or an error carrying stderr when it exits non-zero. */
  cliJson<T = unknown>(args: string[]): Promise<T>;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  dataDir: string;
  reposDir: string;
  env?: Record<string, string>;
  /** A port chosen beforehand (when something else must know the server's address first). */
  port?: number;
}

/**
 * `serve` on a free port. Test files run in parallel, so a port found free can be taken by another process
 * before the server binds it: then the server is started again on another port (a chosen port is not).
 */
export async function startServer(opts: StartServerOptions): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(opts);
    } catch (error) {
      if (opts.port !== undefined || attempt >= 3 || !String(error).includes(PORT_TAKEN)) throw error;
    }
  }
}

const PORT_TAKEN = "in use";

async function startServerOnce(opts: StartServerOptions): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const adminToken = "test-admin-token-0123456789";
  const env = {
    ...process.env,
    PORT: String(port),
    INTERFACE: "127.0.0.1",
    DATA_DIR: opts.dataDir,
    REPOS_DIR: opts.reposDir,
    BUILDBTW_ADMIN_TOKEN: adminToken,
    BUILDBTW_LOG_FORMAT: "json",
    ...opts.env,
  };
  const proc = Bun.spawn([...cliCommand(), "serve"], { env, stdout: "pipe", stderr: "pipe" });
  const logs: string[] = [];
  void (async () => {
    const reader = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      logs.push(...lines);
    }
  })();
  const url = `http://127.0.0.1:${port}`;
  // A server that dies at start (a missing module, a bad setting) fails here with its last lines, not after 60 s.
  let listening = false;
  const diedEarly = proc.exited.then((code) => {
    if (!listening) throw new Error(`serve exited with ${code} before listening:\n${logs.slice(-5).join("\n")}`);
  });
  diedEarly.catch(() => {});
  // Its own "listening" line, not /healthz: under parallel test files another server could hold the port.
  await Promise.race([
    waitFor("the server to listen", () => logs.some((l) => l.includes('"msg":"listening"')), 60_000, 20),
    diedEarly,
  ]);
  listening = true;
  const api = async <T>(path: string, init: RequestInit & { token?: string | null } = {}) => {
    const token = init.token === undefined ? adminToken : init.token;
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    if (init.body && typeof init.body === "string") headers.set("content-type", "application/json");
    const res = await fetch(`${url}${path}`, { ...init, headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: body as T };
  };
  const cliEnv = { SERVER_URL: url, BUILDBTW_TOKEN: adminToken };
  return {
    url,
    adminToken,
    dataDir: opts.dataDir,
    proc,
    logs,
    api,
    cli: (args, extra = {}) => runCli(args, { env: { ...cliEnv, ...extra } }),
    cliJson: (args) => runCliJson(args, { env: cliEnv }),
    async workerToken(name: string) {
      const out = await runCliJson<{ token: string }>(["token", "create", "--worker", name], {
        env: { DATA_DIR: opts.dataDir },
      });
      return out.token;
    },
    async stop() {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(5000)]);
      proc.kill("SIGKILL");
    },
  };
}

export function startWorker(opts: { server: string; token: string; workDir: string; args?: string[] }): Subprocess {
  return Bun.spawn(
    [
      ...cliCommand(),
      "worker",
      "--server",
      opts.server,
      "--token",
      opts.token,
      "--work-dir",
      join(opts.workDir),
      ...(opts.args ?? []),
    ],
    { env: { ...process.env, BUILDBTW_LOG_FORMAT: "json" }, stdout: "ignore", stderr: "pipe" },
  );
}
