// Real pacman against a throwaway root: its own pacman.conf, database, cache, log, gpg and hook
// directories under a temp dir, so tests install packages without touching the host. pacman needs root
// for transactions (-S, -U, -R); queries (-Q, -Qp) work as anyone.
//
//   const repo = serveDirectory(repoDir);
//   const pacman = createPacmanRoot({ repos: [{ name: "buildbtw-demo", server: repo.url }] });
//   await pacman.ok("-Sy");
//   await pacman.ok("-S", "app");
//   expect(await pacman.installed()).toEqual({ app: "1.0-1", lib: "2.0-1" });
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PathEscape, pathInside } from "../../src/lib/paths";
import { type CliResult, runProcess } from "./cli";

export interface PacmanRepo {
  /** The section name, e.g. `buildbtw-demo`. */
  name: string;
  /** The `Server =` URL; pacman appends `/<name>.db` and the package file names. */
  server: string;
}

export type PacmanResult = CliResult;

export interface PacmanRoot {
  /** Holds root/ and pacman.conf. */
  dir: string;
  /** The installation root: installed files land under it. */
  root: string;
  config: string;
  /** Run `pacman --config … --noconfirm args…` (and --noprogressbar for transactions and downloads). */
  run(...args: string[]): Promise<PacmanResult>;
  /** Like run, but throws with pacman's output unless it exits 0; returns stdout. */
  ok(...args: string[]): Promise<string>;
  /** `pacman -Q` as name → version. */
  installed(): Promise<Record<string, string>>;
  /** The path of `relative` under the installation root. */
  path(relative: string): string;
  remove(): void;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Whether real pacman can run transactions here (it is installed and we are root). */
export function canRunPacman(): boolean {
  return isRoot() && Bun.which("pacman") !== null;
}

/** A pacman.conf that keeps every path pacman touches under `root`. */
export function pacmanConf(root: string, repos: readonly PacmanRepo[], arch = "x86_64"): string {
  const lines = [
    "[options]",
    `RootDir = ${root}`,
    `DBPath = ${join(root, "var/lib/pacman")}/`,
    `CacheDir = ${join(root, "var/cache/pacman/pkg")}/`,
    `LogFile = ${join(root, "var/log/pacman.log")}`,
    `GPGDir = ${join(root, "etc/pacman.d/gnupg")}/`,
    `HookDir = ${join(root, "etc/pacman.d/hooks")}/`,
    `Architecture = ${arch}`,
    "SigLevel = Never",
    "LocalFileSigLevel = Never",
    "",
  ];
  for (const repo of repos) lines.push(`[${repo.name}]`, "SigLevel = Never", `Server = ${repo.server}`, "");
  return lines.join("\n");
}

export function createPacmanRoot(options: { repos: readonly PacmanRepo[]; arch?: string }): PacmanRoot {
  const dir = mkdtempSync(join(tmpdir(), "buildbtw-pacman-"));
  const root = join(dir, "root");
  for (const sub of ["var/lib/pacman", "var/cache/pacman/pkg", "var/log", "etc/pacman.d/gnupg", "etc/pacman.d/hooks"]) {
    mkdirSync(join(root, sub), { recursive: true });
  }
  const config = join(dir, "pacman.conf");
  writeFileSync(config, pacmanConf(root, options.repos, options.arch));

  const run = (...args: string[]): Promise<PacmanResult> => {
    // pacman accepts --noprogressbar only with the operations that can download or install.
    const quiet = /^-[SURF]/.test(args[0] ?? "") ? ["--noprogressbar"] : [];
    return runProcess(["pacman", "--config", config, "--noconfirm", ...quiet, ...args], {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        LANG: "C",
        LC_ALL: "C",
        // The repository is on loopback: never send it through a proxy from the environment.
        no_proxy: "127.0.0.1,localhost",
        NO_PROXY: "127.0.0.1,localhost",
      },
    });
  };
  const ok = async (...args: string[]): Promise<string> => {
    const r = await run(...args);
    if (r.code !== 0) throw new Error(`pacman ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  return {
    dir,
    root,
    config,
    run,
    ok,
    async installed() {
      const r = await run("-Q");
      // pacman -Q exits 1 when nothing is installed.
      if (r.code !== 0 && r.stdout.trim() !== "") throw new Error(`pacman -Q exited ${r.code}: ${r.stderr}`);
      return Object.fromEntries(
        r.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split(" ") as [string, string]),
      );
    },
    path: (relative) => pathInside(root, relative),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ServedDirectory {
  url: string;
  port: number;
  /** Every request as `METHOD /path` (with ` range=…` when ranged), in order. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Serve `dir` read-only over HTTP on 127.0.0.1 as a pacman mirror would: files as
 * application/octet-stream, HEAD, single byte ranges (pacman resumes downloads with them), 404 otherwise.
 */
export function serveDirectory(dir: string): ServedDirectory {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      const range = request.headers.get("range");
      requests.push(`${request.method} ${url.pathname}${range ? ` range=${range}` : ""}`);
      if (request.method !== "GET" && request.method !== "HEAD")
        return new Response(null, { status: 405, headers: { Allow: "GET, HEAD" } });
      const path = fileFor(dir, url.pathname);
      if (path === null) return new Response("not found\n", { status: 404 });
      return serveFile(path, request.method === "HEAD", range);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port ?? 0,
    requests,
    stop: () => server.stop(true),
  };
}

function fileFor(dir: string, pathname: string): string | null {
  let parts: string[];
  try {
    parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (parts.length === 0) return null;
  try {
    const path = pathInside(dir, ...parts);
    return statSync(path, { throwIfNoEntry: false })?.isFile() ? path : null;
  } catch (error) {
    if (error instanceof PathEscape) return null;
    throw error;
  }
}

function serveFile(path: string, head: boolean, range: string | null): Response {
  const file = Bun.file(path);
  const size = file.size;
  // No Last-Modified: pacman (curl) sends If-Modified-Since with the time it last saw, and treats a reply
  // whose Last-Modified is not newer as unchanged, so a database rewritten within the same second as the
  // last download would go unseen. Without the header every download counts.
  const headers: Record<string, string> = { "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes" };
  let status = 200;
  let start = 0;
  let end = size; // exclusive
  if (range !== null) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    const from = m?.[1] ?? "";
    const to = m?.[2] ?? "";
    if (m === null || (from === "" && to === "")) {
      // Multiple or malformed ranges: ignore the header and send everything, as RFC 9110 allows.
    } else {
      start = from === "" ? Math.max(0, size - Number(to)) : Number(from);
      end = from === "" || to === "" ? size : Math.min(size, Number(to) + 1);
      if (start >= size || start >= end) {
        return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
      }
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end - 1}/${size}`;
    }
  }
  headers["Content-Length"] = String(end - start);
  return new Response(head ? null : file.slice(start, end), { status, headers });
}
