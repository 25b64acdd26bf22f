// Pacman repositories over HTTP (README.md, Architecture: pacman repositories):
// /repo/<namespace>/<iteration|latest>/os/<arch>/<file>, with HEAD and Range (pacman resumes downloads) and a plain
// listing of each directory.
import { existsSync, readdirSync, statSync } from "node:fs";
import { type Context, Hono } from "hono";
import { ArchSchema, NamespaceNameSchema, wholeNumber } from "../../api/schemas";
import { Invalid, NotFound } from "../../core/errors";
import type { ServerDeps } from "../deps";
import { isPublished, locateRepository, type RepositoryDir } from "../usecases/locate-repository";
import { parseRange } from "./range";

const FILE = /^[a-zA-Z0-9@_+][a-zA-Z0-9@._+:-]*$/;
const DATABASE = /\.(db|files)(\.tar\.(gz|zst|xz))?$/;

function resolveDir(deps: ServerDeps, c: Context): RepositoryDir {
  const name = NamespaceNameSchema.parse(c.req.param("namespace"));
  const arch = ArchSchema.parse(c.req.param("arch"));
  const raw = c.req.param("iteration");
  const iteration = raw === "latest" ? raw : wholeNumber('the iteration (an id or "latest")').parse(raw);
  return locateRepository(deps, name, iteration, arch);
}

function serveFile(c: Context, path: string): Response {
  const file = Bun.file(path);
  const size = file.size;
  const headers: Record<string, string> = { "content-type": "application/octet-stream", "accept-ranges": "bytes" };
  // Databases are rewritten in place, often within one second: with a Last-Modified, pacman's
  // If-Modified-Since check (whole seconds) would keep a stale database. Package files never change.
  if (!DATABASE.test(path)) headers["last-modified"] = new Date(statSync(path).mtimeMs).toUTCString();
  else headers["cache-control"] = "no-cache";
  const range = parseRange(c.req.header("range"), size);
  if (range.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
  }
  if (range.kind === "partial") {
    const { start, end } = range;
    headers["content-range"] = `bytes ${start}-${end}/${size}`;
    headers["content-length"] = String(end - start + 1);
    return new Response(c.req.method === "HEAD" ? null : file.slice(start, end + 1), { status: 206, headers });
  }
  headers["content-length"] = String(size);
  return new Response(c.req.method === "HEAD" ? null : file, { status: 200, headers });
}

export function repoRouter(deps: ServerDeps) {
  const file = async (c: Context) => {
    const repo = resolveDir(deps, c);
    const name = c.req.param("file") ?? "";
    if (!FILE.test(name)) throw new Invalid(`${JSON.stringify(name)} is not a repository file name`);
    const path = `${repo.dir}/${name}`;
    // An iteration's database exists from its start (written when it is made); should a request come
    // before that write finished, it is written now, so `latest` never answers 404 for its database.
    if (repo.planned && DATABASE.test(name) && !existsSync(path))
      await deps.publisher.publish(repo.namespace, repo.iterationId, repo.arch);
    if (!existsSync(path) || !statSync(path).isFile() || !(DATABASE.test(name) || isPublished(deps, repo, name)))
      throw new NotFound(`no file ${name} in this repository`);
    return serveFile(c, path);
  };
  const listing = (c: Context) => {
    const repo = resolveDir(deps, c);
    const names = existsSync(repo.dir)
      ? readdirSync(repo.dir)
          .filter((n) => !n.startsWith(".") && (DATABASE.test(n) || isPublished(deps, repo, n)))
          .sort()
      : [];
    return c.text(names.length ? `${names.join("\n")}\n` : "");
  };
  return new Hono()
    .on(["GET", "HEAD"], "/:namespace/:iteration/os/:arch/", listing)
    .on(["GET", "HEAD"], "/:namespace/:iteration/os/:arch/:file", file);
}
