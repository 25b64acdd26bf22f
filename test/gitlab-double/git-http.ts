// git's smart HTTP protocol for the double, by running the real `git http-backend` as a CGI program:
// clones and fetches (upload-pack) and pushes (receive-pack) are git talking to git.

export interface CgiRequest {
  projectRoot: string;
  /** `/archlinux/packaging/packages/zlib.git/info/refs` */
  pathInfo: string;
  method: string;
  query: string;
  headers: Headers;
  body: Uint8Array;
  /** Set for authenticated requests: http-backend allows receive-pack only then. */
  remoteUser?: string;
}

export async function runHttpBackend(req: CgiRequest): Promise<Response> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_PROJECT_ROOT: req.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    PATH_INFO: req.pathInfo,
    REQUEST_METHOD: req.method,
    QUERY_STRING: req.query,
    REMOTE_ADDR: "127.0.0.1",
    CONTENT_LENGTH: String(req.body.byteLength),
  };
  const type = req.headers.get("content-type");
  if (type) env.CONTENT_TYPE = type;
  const encoding = req.headers.get("content-encoding");
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers.get("git-protocol");
  if (protocol) env.GIT_PROTOCOL = protocol;
  if (req.remoteUser) env.REMOTE_USER = req.remoteUser;
  const proc = Bun.spawn(["git", "http-backend"], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  proc.stdin.write(req.body);
  await proc.stdin.end();
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).arrayBuffer(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const bytes = new Uint8Array(out);
  // CGI output: header lines, a blank line, the body.
  let split = -1;
  let sep = 0;
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] === 10 && bytes[i + 1] === 10) {
      split = i;
      sep = 2;
      break;
    }
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      split = i;
      sep = 4;
      break;
    }
  }
  if (split < 0) {
    return new Response(`git http-backend failed (exit ${code}): ${err}`, { status: 500 });
  }
  const head = new TextDecoder().decode(bytes.subarray(0, split));
  const headers = new Headers();
  let status = 200;
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
    else headers.append(name, value);
  }
  return new Response(bytes.subarray(split + sep), { status, headers });
}
