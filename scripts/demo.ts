// `just demo`: the main job on the embedded defaults. Creates the demo package set as real git
// repositories, starts `buildbtw serve` and a `makepkg` worker, opens a namespace for the library,
// follows it until every package is built, installs the result with the real pacman into a temporary
// root, and prints the pacman.conf snippet and the web address.
//   DEMO_DIR (default ./data/demo), PORT (default 8080), DEMO_EXIT=1 to stop instead of serving on.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { writeDemoPackages } from "./demo-packages";

const started = performance.now();
const root = resolve(import.meta.dir, "..");
const bin = existsSync(join(root, "dist/buildbtw"))
  ? [join(root, "dist/buildbtw")]
  : [process.execPath, join(root, "src/main.ts")];
const base = resolve(process.env.DEMO_DIR ?? join(root, "data/demo"));
const repos = join(base, "source_repos");
const dataDir = join(base, "data");
const adminToken = `demo-admin-${crypto.randomUUID()}`;
const tty = process.stdout.isTTY;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function freePort(preferred: number): Promise<number> {
  try {
    const s = Bun.serve({ port: preferred, hostname: "127.0.0.1", fetch: () => new Response() });
    await s.stop(true);
    return preferred;
  } catch {
    const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = s.port!;
    await s.stop(true);
    return port;
  }
}

const children: Subprocess[] = [];
function stopAll() {
  for (const c of children) c.kill("SIGTERM");
}
process.on("SIGINT", () => {
  stopAll();
  process.exit(130);
});

rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true });
writeDemoPackages(repos);
say(`demo: 6 packages as git repositories in ${repos}`);

const port = await freePort(Number(process.env.PORT ?? 8080));
const url = `http://localhost:${port}`;
const env = {
  ...process.env,
  PORT: String(port),
  INTERFACE: "127.0.0.1",
  BASE_URL: url,
  DATA_DIR: dataDir,
  REPOS_DIR: repos,
  BUILDBTW_ADMIN_TOKEN: adminToken,
  BUILDBTW_LOG_FORMAT: "json",
};
const server = Bun.spawn([...bin, "serve"], { env, stdout: "ignore", stderr: Bun.file(join(base, "server.log")) });
children.push(server);
for (let i = 0; ; i++) {
  if (
    await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (i > 300 || server.exitCode !== null) throw new Error(`the server did not start; see ${join(base, "server.log")}`);
  await Bun.sleep(100);
}
say(`demo: server listening at ${url} (log: ${join(base, "server.log")})`);

const tokenRun = Bun.spawnSync([...bin, "token", "create", "--worker", "demo-worker", "--json"], {
  env,
  stdout: "pipe",
  stderr: "pipe",
});
if (tokenRun.exitCode !== 0) throw new Error(`token create failed: ${tokenRun.stderr}`);
const workerToken = JSON.parse(tokenRun.stdout.toString()).token as string;
const worker = Bun.spawn(
  [
    ...bin,
    "worker",
    "--server",
    url,
    "--token",
    workerToken,
    "--driver",
    "makepkg",
    "--concurrency",
    "2",
    "--work-dir",
    join(base, "work"),
  ],
  {
    env: { ...process.env, BUILDBTW_LOG_FORMAT: "json" },
    stdout: "ignore",
    stderr: Bun.file(join(base, "worker.log")),
  },
);
children.push(worker);
say(`demo: makepkg worker started (log: ${join(base, "worker.log")})`);

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", ...init.headers },
  });
const created = await api("/api/v1/namespaces", {
  method: "POST",
  body: JSON.stringify({ origin_changesets: ["libdemo/main"] }),
});
if (created.status !== 201) throw new Error(`opening the namespace failed: ${await created.text()}`);
say("demo: namespace libdemo opened for origin changeset libdemo/main");

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  failure_reason: string | null;
}
let nodes: Node[] = [];
let last = "";
for (;;) {
  const detail = (await (await api("/api/v1/namespaces/libdemo")).json()) as {
    iteration: { architectures: Record<string, { nodes: Node[] }> } | null;
  };
  nodes = Object.values(detail.iteration?.architectures ?? {}).flatMap((a) => a.nodes);
  const counts: Record<string, number> = {};
  for (const n of nodes) counts[n.status] = (counts[n.status] ?? 0) + 1;
  const running = nodes.filter((n) => n.status === "building" || n.status === "scheduled").map((n) => n.pkgbase);
  const line = `demo: ${counts.built ?? 0}/${nodes.length} built${counts.failed ? `, ${counts.failed} failed` : ""}${running.length ? ` — building ${running.join(", ")}` : ""}`;
  if (line !== last) {
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else say(line);
    last = line;
  }
  // Done when nothing can move any more: all built, or failures with their dependents blocked.
  if (nodes.length > 0 && !nodes.some((n) => ["pending", "scheduled", "building"].includes(n.status))) break;
  if (worker.exitCode !== null)
    throw new Error(`the worker exited (${worker.exitCode}); see ${join(base, "worker.log")}`);
  await Bun.sleep(300);
}
if (tty) process.stdout.write("\n");
const failed = nodes.filter((n) => n.status !== "built");
if (failed.length > 0) {
  for (const n of failed) {
    const log = (await (await api(`/api/v1/builds/${n.id}/log`)).json()) as { text: string };
    say(`demo: ${n.pkgbase} ${n.status}: ${n.failure_reason ?? ""}\n${log.text.split("\n").slice(-20).join("\n")}`);
  }
  stopAll();
  process.exit(1);
}

// Overhead per build: from the build starting on the worker to its result, minus makepkg's own time
// (which the driver states in the log) — that is clone, package checks, upload and reporting.
const overheads: number[] = [];
const makepkgTimes: number[] = [];
for (const n of nodes) {
  const b = (await (await api(`/api/v1/builds/${n.id}`)).json()) as { started_at: string; finished_at: string };
  const log = (await (await api(`/api/v1/builds/${n.id}/log`)).json()) as { text: string };
  const m = /makepkg ran for (\d+) ms/.exec(log.text);
  if (!m) continue;
  makepkgTimes.push(Number(m[1]));
  overheads.push(Date.parse(b.finished_at) - Date.parse(b.started_at) - Number(m[1]));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
say(
  `demo: per build, makepkg median ${median(makepkgTimes)} ms; buildbtw's own overhead (clone, checks, upload, result) median ${median(overheads)} ms, max ${Math.max(...overheads)} ms`,
);

// Install the result with the real pacman into a temporary root, dependencies resolved from our repository.
const pacRoot = join(base, "pacman-root");
for (const d of ["root", "db", "cache", "gnupg"]) mkdirSync(join(pacRoot, d), { recursive: true });
const snippet = `[buildbtw-libdemo]\nSigLevel = Optional TrustAll\nServer = ${url}/repo/libdemo/latest/os/$arch`;
writeFileSync(
  join(pacRoot, "pacman.conf"),
  `[options]\nArchitecture = x86_64\nSigLevel = Never\n\n${snippet.replace("Optional TrustAll", "Never")}\n`,
);
const pacman = (...args: string[]) => {
  const r = Bun.spawnSync(
    [
      "pacman",
      "--config",
      join(pacRoot, "pacman.conf"),
      "--root",
      join(pacRoot, "root"),
      "--dbpath",
      join(pacRoot, "db"),
      "--cachedir",
      join(pacRoot, "cache"),
      "--gpgdir",
      join(pacRoot, "gnupg"),
      "--logfile",
      join(pacRoot, "pacman.log"),
      "--noconfirm",
      ...args,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`pacman ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.toString();
};
pacman("-Sy");
pacman("-S", "demo-suite", "demo-split", "demo-split-docs", "demo-data");
say(`demo: pacman installed into ${join(pacRoot, "root")}:`);
for (const line of pacman("-Q").trim().split("\n")) say(`  ${line}`);

say(`\nAdd this to /etc/pacman.conf to use the namespace's repository:\n\n${snippet}\n`);
say(`Web UI:  ${url}/namespaces/libdemo`);
say(`API:     ${url}/api/v1/namespaces/libdemo`);
say(`demo: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);

if (process.env.DEMO_EXIT === "1" || !process.stdin.isTTY) {
  stopAll();
  process.exit(0);
}
say("The server keeps running; press Ctrl-C to stop it.");
await new Promise(() => {});
