// The server in process, for behaviour tests: startServer's real deps (SQLite file, scheduler, use cases, loops)
// on a clock the test moves by hand, and the routes called through the app itself (app.request), so no test
// waits for a process to start or a real lease to expire.
import { loadServerConfig } from "../../src/config/server";
import { createApp } from "../../src/server/app";
import { type RunningServer, startServer } from "../../src/server/serve";
import { freePort } from "./processes";

export interface Answer<T> {
  status: number;
  /** The JSON answer, or the text when it is not JSON (null when empty). */
  body: T;
  text: string;
}

export type Call = <T = unknown>(
  method: string,
  path: string,
  options?: { token?: string | null; body?: unknown; raw?: BodyInit },
) => Promise<Answer<T>>;

export interface InProcessServer {
  server: RunningServer;
  app: ReturnType<typeof createApp>;
  /** A request to the app: the admin token unless `token` says otherwise (null: none). */
  call: Call;
}

/** Start the server in this process on `dataDir` and `repos`, with `env` as its environment and `now` as its clock. */
export async function startInProcess(opts: {
  dataDir: string;
  repos: string;
  admin: string;
  env?: Record<string, string>;
  now: () => number;
}): Promise<InProcessServer> {
  const config = loadServerConfig(
    { port: String(await freePort()), interface: "127.0.0.1", "data-dir": opts.dataDir, repos: opts.repos },
    { BUILDBTW_ADMIN_TOKEN: opts.admin, BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", ...opts.env },
  );
  const server = await startServer(config, { now: opts.now });
  const app = createApp(server.deps);
  const call: Call = async (method, path, options = {}) => {
    const token = options.token === undefined ? opts.admin : options.token;
    const headers: Record<string, string> = { host: "buildbtw.test" };
    // A JSON body (or raw text standing in for one, e.g. malformed JSON) says so; raw bytes say nothing.
    if (options.body !== undefined || typeof options.raw === "string") headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const res = await app.request(`http://buildbtw.test${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown = text === "" ? null : text;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, body: json as never, text };
  };
  return { server, app, call };
}
