// The packager's CLI against a real `serve` with real `worker --driver fake` processes: new → list → show,
// logs (finished and followed), new --wait, plan --server against the local plan, and colours.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { NamespaceDetail as Detail, Plan } from "../src/api/schemas";
import { cliCommand } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
let repos: string;
let server: ServerProcess;
const workers: Subprocess[] = [];
const ESC = "\x1b[";

beforeAll(async () => {
  tmp = makeTempDir();
  repos = join(tmp, "repos");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "zlib", pkgver: "1.3" });
  add({ pkgbase: "libpng", depends: ["zlib"] });
  add({ pkgbase: "freetype", depends: ["zlib", "libpng>=1.0"] });
  add({ pkgbase: "cairo", depends: ["libpng", "freetype"] });
  add({ pkgbase: "mka", depends: ["zlib"], makedepends: ["mkb"] });
  add({ pkgbase: "mkb", depends: ["mka"] });
  add({ pkgbase: "mkonly", makedepends: ["zlib"] });
  add({ pkgbase: "slow", depends: ["glibc"] });
  add({ pkgbase: "unrelated", depends: ["glibc"] });
  makeRepo(repos, "broken", "pkgbase = broken\n\tpkgver=1\n");

  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  const token = await server.workerToken("w1");
  workers.push(
    startWorker({
      server: server.url,
      token,
      workDir: join(tmp, "work"),
      args: ["--concurrency", "2", "--fake-delay-ms", "400"],
    }),
  );
});

afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
});

const nodesOf = (d: Detail) => Object.values(d.iteration?.architectures ?? {}).flatMap((a) => a.nodes);
const show = async (name: string) => (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body;
const allBuilt = (name: string) =>
  waitFor(
    `every build of ${name} to be built`,
    async () => {
      const d = await show(name);
      const nodes = nodesOf(d);
      return nodes.length > 0 && nodes.every((n) => n.status === "built") ? d : undefined;
    },
    60_000,
  );

describe("new → list → show", () => {
  test("new creates the namespace and prints its page and pacman.conf section", async () => {
    const r = await server.cli(["new", "zlib/main"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${server.url}/namespaces/zlib`);
    expect(r.stdout).toContain(
      `[buildbtw-zlib]\nSigLevel = Optional TrustAll\nServer = ${server.url}/repo/zlib/latest/os/$arch`,
    );
    expect(r.stderr).toBe("");
    const d = await show("zlib");
    expect(d.namespace).toMatchObject({ name: "zlib", status: "active", origin_changesets: ["zlib/main"] });
  });

  test("new --json prints the API's namespace; --name and --include reach the server", async () => {
    const created = await server.cliJson<{ name: string; include: string[]; origin_changesets: string[] }>([
      "new",
      "zlib/main",
      "--name",
      "zlib-wide",
      "--include",
      "makedepends",
    ]);
    expect(created).toMatchObject({ name: "zlib-wide", include: ["makedepends"], origin_changesets: ["zlib/main"] });
    const d = await allBuilt("zlib-wide");
    // Membership widened by makedepends: mkonly only makedepends on zlib.
    expect(nodesOf(d).map((n) => n.pkgbase)).toContain("mkonly");
    expect(nodesOf(await allBuilt("zlib")).map((n) => n.pkgbase)).not.toContain("mkonly");
  });

  test("list shows each namespace's status, origins, progress and iteration; --json is the API's JSON", async () => {
    await allBuilt("zlib");
    await allBuilt("zlib-wide");
    const r = await server.cli(["list"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ORIGINS\s+PROGRESS\s+ITERATION\s+ETA\s+CREATED$/);
    const zlib = lines.find((l) => l.startsWith("zlib "))!;
    expect(zlib).toMatch(
      /^zlib\s+active\s+zlib\/main\s+6\/6 built\s+\d+ \(first\)\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    expect(lines.some((l) => /^zlib-wide\s+active\s+zlib\/main\s+7\/7 built/.test(l))).toBe(true);

    expect(await server.cliJson(["list"])).toEqual((await server.api("/api/v1/namespaces")).body);
    expect(await server.cliJson(["list", "--all"])).toEqual((await server.api("/api/v1/namespaces?all=true")).body);
  });

  test("show groups builds by status with icons and counts, shows cycles and the pacman.conf section", async () => {
    const d = await allBuilt("zlib");
    const r = await server.cli(["show", "zlib"]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`Namespace zlib (active)  ${server.url}/namespaces/zlib`);
    expect(out).toContain("origins:   zlib/main");
    expect(out).toMatch(
      new RegExp(`iteration: ${d.iteration!.id} \\(first, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)`),
    );
    expect(out).toContain("x86_64: 6 builds: 6 built");
    expect(out).toContain("✅ built (6)");
    // Each with its version: the origin as committed, the rebuilds with their pkgrel bump.
    expect(out).toMatch(/^ {6}zlib {6}1\.3-1$/m);
    for (const p of ["libpng", "freetype", "cairo", "mka", "mkb"])
      expect(out).toMatch(new RegExp(`^ {6}${p} +1\\.0\\.0-1 → 1\\.0\\.0-2 \\(rebuild\\)$`, "m"));
    expect(out).toContain("cycles (1), broken by dropping 1 edge:");
    expect(out).toContain("mka ↔ mkb");
    expect(out).toContain("dropped mkb → mka (makedepends)");
    expect(out).toContain(
      `pacman.conf:\n  [buildbtw-zlib]\n  SigLevel = Optional TrustAll\n  Server = ${server.url}/repo/zlib/latest/os/$arch`,
    );
  });

  test("show --json equals the API's JSON for the same call, with --iteration and --arch too", async () => {
    const d = await allBuilt("zlib");
    expect(await server.cliJson(["show", "zlib"])).toEqual(d);
    const id = d.iteration!.id;
    expect(await server.cliJson(["show", "zlib", "--iteration", String(id), "--arch", "x86_64"])).toEqual(
      (await server.api(`/api/v1/namespaces/zlib?iteration=${id}&arch=x86_64`)).body,
    );
  });
});

describe("logs", () => {
  test("prints a finished build's log; --json is the API's log chunk", async () => {
    const d = await allBuilt("zlib");
    const r = await server.cli(["logs", "zlib", "libpng"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("==> fake build of libpng 1.0.0-2 (x86_64)");
    expect(r.stdout).toContain("==> finished fake build of libpng: 1 package(s)");
    const libpng = nodesOf(d).find((n) => n.pkgbase === "libpng")!;
    const api = (await server.api<{ text: string }>(`/api/v1/builds/${libpng.id}/log`)).body;
    expect(r.stdout).toBe(api.text);
    expect(await server.cliJson(["logs", "zlib", "libpng"])).toEqual(api);
  });

  test("--follow streams a running build until it ends and exits 0 for built", async () => {
    // A build that takes a while: a namespace of its own, followed at once. `new` answers before the server
    // has computed the first iteration; --follow waits for it rather than calling the build unknown.
    const created = await server.cli(["new", "slow/main"]);
    expect(created.code, created.stderr).toBe(0);
    const followedAt = new Date().toISOString();
    const r = await server.cli(["logs", "slow", "slow", "--follow"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("==> fake build of slow 1.0.0-1 (x86_64)");
    expect(r.stdout).toContain("==> pretending to compile for 400 ms");
    expect(r.stdout).toContain("==> finished fake build of slow: 1 package(s)");
    expect(r.stderr).toMatch(
      /^(buildbtw: waiting for the first iteration of slow…\n)?buildbtw: slow \(x86_64\) was built\n$/,
    );
    // It really was followed: the build ended after the command started.
    const node = nodesOf(await show("slow")).find((n) => n.pkgbase === "slow")!;
    expect(node.status).toBe("built");
    expect(node.finished_at! > followedAt).toBe(true);
    // Everything followed is the whole log, nothing twice.
    const api = (await server.api<{ text: string }>(`/api/v1/builds/${node.id}/log`)).body;
    expect(r.stdout).toBe(api.text);
  });

  test("--follow --json prints one log chunk per line, the last one finished", async () => {
    const lines = (await server.cli(["logs", "zlib", "cairo", "--follow", "--json"])).stdout.trimEnd().split("\n");
    const chunks = lines.map((l) => JSON.parse(l) as { text: string; finished: boolean; offset: number });
    expect(chunks.at(-1)!.finished).toBe(true);
    expect(chunks.map((c) => c.text).join("")).toContain("==> finished fake build of cairo");
  });

  test("an unknown pkgbase says it is not in the namespace", async () => {
    const r = await server.cli(["logs", "zlib", "unrelated"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("buildbtw: unrelated is not in the latest iteration of zlib\n");
  });
});

describe("completion", () => {
  test("namespace names and a namespace's pkgbases come from the server", async () => {
    await allBuilt("zlib");
    const complete = async (...words: string[]) => {
      const r = await server.cli(["__complete", "--", ...words]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.split("\n").filter((l) => l !== "");
    };
    expect(await complete("show", "zl")).toEqual(["zlib", "zlib-wide"]);
    expect(await complete("logs", "zlib", "")).toEqual(["cairo", "freetype", "libpng", "mka", "mkb", "zlib"]);
    expect(await complete("logs", "zlib", "--arch", "x86_64", "f")).toEqual(["freetype"]);
    // retry offers only failed builds, and nothing failed here.
    expect(await complete("retry", "zlib", "")).toEqual([]);
  });
});

describe("new --wait", () => {
  test("follows the namespace until all is built, exits 0, and --json prints the finished namespace", async () => {
    const r = await server.cli(["new", "libpng/main", "--name", "waited", "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Detail;
    expect(out.namespace.name).toBe("waited");
    expect(nodesOf(out).map((n) => n.status)).toEqual(["built", "built", "built"]);
    expect(out).toEqual(await show("waited"));
  });

  test("without --json, prints the page, the pacman.conf section and the final counts", async () => {
    const r = await server.cli(["new", "cairo/main", "--name", "waited-human", "--wait"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${server.url}/namespaces/waited-human`);
    expect(r.stdout).toMatch(/waited-human, iteration \d+: 1 build: 1 built\n$/);
    expect(r.stdout + r.stderr).not.toContain(ESC);
  });
});

describe("plan --server", () => {
  test("equals the local plan --json of the same repositories, except the time taken", async () => {
    for (const args of [
      ["zlib/main"],
      ["zlib/main", "--include", "makedepends"],
      ["libpng/main", "--arch", "x86_64"],
    ]) {
      const remote = await server.cliJson<Plan>(["plan", ...args, "--server"]);
      const local = await server.cliJson<Plan>([
        "plan",
        ...args,
        "--repos",
        repos,
        "--data-dir",
        join(tmp, "plan-data"),
      ]);
      expect(remote.stats.ms).toBeGreaterThanOrEqual(0);
      expect({ ...remote, stats: { ...remote.stats, ms: 0 } }).toEqual({ ...local, stats: { ...local.stats, ms: 0 } });
      expect(remote.stats.skipped_srcinfo).toBe(1);
    }
  });

  test("prints the same human output as the local plan", async () => {
    const remote = await server.cli(["plan", "zlib/main", "--server"]);
    const local = await server.cli(["plan", "zlib/main", "--repos", repos, "--data-dir", join(tmp, "plan-data")]);
    expect(remote.code, remote.stderr).toBe(0);
    const withoutTime = (s: string) => s.replace(/, \d+ ms\n$/, "");
    expect(withoutTime(remote.stdout)).toBe(withoutTime(local.stdout));
    expect(remote.stdout).toContain("x86_64: 6 packages to build\n     1. zlib\n");
  });

  test("an unknown origin is the server's one sentence; --server with --repos is refused", async () => {
    const r = await server.cli(["plan", "nosuch/main", "--server"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^buildbtw: .*nosuch/);
    const both = await server.cli(["plan", "zlib/main", "--server", "--repos", repos]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("leave out --repos");
  });
});

/** Run the CLI on a pseudo-terminal (util-linux `script`), where colours are allowed. */
async function onTerminal(args: string[], env: Record<string, string>) {
  const command = [...cliCommand(), ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const proc = Bun.spawn(["script", "-qec", command, "/dev/null"], {
    env: { ...process.env, SERVER_URL: server.url, TERM: "xterm", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { stdout, code };
}

describe("colours", () => {
  test("piped output has no escape codes, with or without NO_COLOR", async () => {
    await allBuilt("zlib");
    for (const env of [{ NO_COLOR: "1" }, { NO_COLOR: "" }]) {
      for (const args of [["show", "zlib"], ["list"], ["logs", "zlib", "zlib"], ["plan", "zlib/main", "--server"]]) {
        const r = await server.cli(args, env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).not.toContain(ESC);
        expect(r.stderr).not.toContain(ESC);
      }
    }
  });

  test("on a terminal new --wait keeps one progress line up to date, and clears it at the end", async () => {
    const r = await onTerminal(["new", "freetype/main", "--name", "waited-tty", "--wait"], {
      BUILDBTW_TOKEN: server.adminToken,
      NO_COLOR: "1",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2Kwaited-tty(: computing the build graph…|, iteration \d+: 2 builds)/);
    expect(r.stdout).toMatch(/\r\x1b\[2Kwaited-tty, iteration \d+: 2 builds: 2 built\r?\n$/);
  });

  test("on a terminal statuses are coloured, unless NO_COLOR is set", async () => {
    const coloured = await onTerminal(["show", "zlib"], { NO_COLOR: "" });
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain(`${ESC}32m6 built${ESC}39m`);
    const plain = await onTerminal(["show", "zlib"], { NO_COLOR: "1" });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("6 builds: 6 built");
    expect(plain.stdout).not.toContain(ESC);
  });
});
