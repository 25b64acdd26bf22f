// The packager's CLI when things go wrong, against a real `serve` with no workers: builds are leased and
// failed by hand over HTTP with a worker token, so every step is deterministic. Covers a failing build
// (show, logs --follow, new --wait), retry of a node and of a namespace, cancel/resume, and every kind of
// bad input: one sentence on stderr, exit 1, and nothing changed on the server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { NamespaceDetail as Detail, Lease, BuildNode as Node } from "../src/api/schemas";
import { cliCommand } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { freePort, type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
let server: ServerProcess;
let workerToken: string;

beforeAll(async () => {
  tmp = makeTempDir();
  const repos = join(tmp, "repos");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "zlib" });
  add({ pkgbase: "libpng", depends: ["zlib"] });
  add({ pkgbase: "freetype", depends: ["zlib", "libpng"] });
  add({ pkgbase: "solo" });
  add({ pkgbase: "multi", arch: ["x86_64", "aarch64"] });
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  workerToken = await server.workerToken("by-hand");
});

afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

/** Exit 1 and exactly one line on stderr, never a stack trace. */
function expectOneLineFailure(r: { code: number; stderr: string; stdout: string }, ...phrases: string[]) {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^buildbtw: [^\n]+\n$/);
  expect(r.stdout).toBe("");
  for (const p of phrases) expect(r.stderr).toContain(p);
}

const show = async (name: string, query = "") => (await server.api<Detail>(`/api/v1/namespaces/${name}${query}`)).body;
const nodesOf = (d: Detail) => Object.values(d.iteration?.architectures ?? {}).flatMap((a) => a.nodes);
const node = (d: Detail, pkgbase: string) => nodesOf(d).find((n) => n.pkgbase === pkgbase)!;
const namespaces = async () => (await server.api<{ namespaces: unknown[] }>("/api/v1/namespaces?all=true")).body;

/** Lease the next build as a worker would, and check it is the one the test expects. */
async function leaseBuild(namespace: string, pkgbase: string): Promise<Lease> {
  const r = await server.api<Lease>("/api/v1/leases", {
    method: "POST",
    body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 10_000 }),
    token: workerToken,
  });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ namespace, pkgbase });
  return r.body;
}
async function appendLog(lease: Lease, text: string) {
  const r = await server.api(`/api/v1/leases/${lease.lease_id}/log`, {
    method: "POST",
    body: text,
    token: workerToken,
    headers: { "content-type": "text/plain" },
  });
  expect(r.status).toBe(204);
}
async function fail(lease: Lease, reason: string) {
  const r = await server.api(`/api/v1/leases/${lease.lease_id}/result`, {
    method: "POST",
    body: JSON.stringify({ status: "failed", reason }),
    token: workerToken,
  });
  expect(r.status).toBe(200);
}
const pendingIn = (name: string, pkgbase: string) =>
  waitFor(`${pkgbase} of ${name} to be pending`, async () => {
    const d = await show(name);
    return node(d, pkgbase)?.status === "pending" ? d : undefined;
  });

/** A CLI process whose stdout is read while it runs. */
function spawnCli(args: string[]) {
  const proc = Bun.spawn([...cliCommand(), ...args], {
    env: { ...process.env, NO_COLOR: "1", SERVER_URL: server.url, BUILDBTW_TOKEN: server.adminToken },
    stdout: "pipe",
    stderr: "pipe",
  });
  const seen = { stdout: "" };
  const reading = (async () => {
    const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) seen.stdout += r.value;
  })();
  return {
    seen,
    async exit() {
      const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text(), reading]);
      return { code, stderr, stdout: seen.stdout };
    },
  };
}

describe("a failing build", () => {
  let firstIteration: number;

  test("logs --follow prints the log as it is written and exits 1 when the build fails", async () => {
    expect((await server.cli(["new", "zlib/main", "--name", "broken-zlib"])).code).toBe(0);
    firstIteration = (await pendingIn("broken-zlib", "zlib")).iteration!.id;
    const follower = spawnCli(["logs", "broken-zlib", "zlib", "--follow"]);
    const lease = await leaseBuild("broken-zlib", "zlib");
    await appendLog(lease, "==> compiling zlib\n");
    await waitFor("the follower to print the first chunk", () => follower.seen.stdout.includes("==> compiling zlib\n"));
    await appendLog(lease, "error: the compiler exploded\n");
    await fail(lease, "compiler exploded");
    const r = await follower.exit();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("==> compiling zlib\nerror: the compiler exploded\n");
    expect(r.stderr).toBe("buildbtw: zlib (x86_64) failed: compiler exploded\n");
  });

  test("show gives the failure's reason and what the blocked builds wait for", async () => {
    const r = await server.cli(["show", "broken-zlib"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("x86_64: 3 builds: 1 failed, 2 blocked");
    expect(r.stdout).toContain("❌ failed (1)\n      zlib  1.0.0-1  compiler exploded\n");
    expect(r.stdout).toContain("⏸ blocked (2)");
    // Each with its version (a rebuild's bump) and estimate (nothing was ever built: the configured default).
    expect(r.stdout).toMatch(/^ {6}libpng +1\.0\.0-1 → 1\.0\.0-2 \(rebuild\) +blocked by zlib; ~30 min$/m);
    expect(r.stdout).toMatch(/^ {6}freetype +1\.0\.0-1 → 1\.0\.0-2 \(rebuild\) +blocked by zlib, libpng; ~30 min$/m);
  });

  test("logs --follow of a build blocked by a failure ends with 1 and says why", async () => {
    const r = await server.cli(["logs", "broken-zlib", "libpng", "--follow"]);
    expectOneLineFailure(r, "libpng stays blocked", "buildbtw show broken-zlib");
  });

  test("retry PKGBASE puts the failed build back in the queue; --json is the build as the API shows it", async () => {
    const retried = await server.cliJson<Node & { namespace: string; iteration: number }>([
      "retry",
      "broken-zlib",
      "zlib",
    ]);
    expect(retried).toMatchObject({ pkgbase: "zlib", arch: "x86_64", status: "pending", failure_reason: null });
    expect(retried).toEqual((await server.api(`/api/v1/builds/${retried.id}`)).body as typeof retried);
    expect(retried.iteration).toBe(firstIteration);
    // Not failed any more: a second retry is refused with the server's sentence.
    expectOneLineFailure(
      await server.cli(["retry", "broken-zlib", "zlib"]),
      "zlib has not failed (status: x86_64 pending)",
    );
    // It builds again: a worker gets it.
    await fail(await leaseBuild("broken-zlib", "zlib"), "still broken");
    const human = await server.cli(["retry", "broken-zlib", "zlib", "--arch", "x86_64"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("zlib (x86_64) is pending again in iteration");
  });

  test("retry NAME starts a new iteration; the old one shows as superseded", async () => {
    const it = await server.cliJson<{ id: number; reason: string; superseded: boolean }>(["retry", "broken-zlib"]);
    expect(it.reason).toBe("retry");
    expect(it.id).toBeGreaterThan(firstIteration);
    expect(it).toEqual((await show("broken-zlib")).iteration as unknown as typeof it);
    const old = await server.cli(["show", "broken-zlib", "--iteration", String(firstIteration)]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toContain(`iteration: ${firstIteration} (first,`);
    expect(old.stdout).toContain(`superseded: the latest is ${it.id}`);
    expectOneLineFailure(await server.cli(["retry", "broken-zlib", "--arch", "x86_64"]), "name its PKGBASE");
  });
});

describe("cancel and resume", () => {
  test("cancel stops the namespace, list hides it, retry and follow refuse; resume makes it active again", async () => {
    const cancelled = await server.cliJson<{ name: string; status: string }>(["cancel", "broken-zlib"]);
    expect(cancelled).toMatchObject({ name: "broken-zlib", status: "cancelled" });
    expect((await show("broken-zlib")).namespace.status).toBe("cancelled");

    const active = await server.cli(["list"]);
    expect(active.stdout).not.toContain("broken-zlib");
    const all = await server.cli(["list", "--all"]);
    expect(all.stdout).toMatch(/^broken-zlib\s+cancelled\s+zlib\/main\s/m);

    expectOneLineFailure(
      await server.cli(["retry", "broken-zlib"]),
      "namespace broken-zlib is cancelled; resume it first",
    );
    expectOneLineFailure(
      await server.cli(["logs", "broken-zlib", "zlib", "--follow"]),
      "namespace broken-zlib is cancelled",
      "buildbtw resume broken-zlib",
    );

    const human = await server.cli(["resume", "broken-zlib"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe("Resumed broken-zlib: its builds go on; see `buildbtw show broken-zlib`.\n");
    expect((await show("broken-zlib")).namespace.status).toBe("active");
    // Its pending build is offered to workers again.
    await leaseBuild("broken-zlib", "zlib");
    const again = await server.cli(["cancel", "broken-zlib"]);
    expect(again.stdout).toBe("Cancelled broken-zlib: nothing more is built until `buildbtw resume broken-zlib`.\n");
  });
});

describe("new --wait", () => {
  test("exits 1 when a build fails, and says where to look", async () => {
    const waiter = spawnCli(["new", "solo/main", "--name", "waits-for-failure", "--wait"]);
    await pendingIn("waits-for-failure", "solo");
    await fail(await leaseBuild("waits-for-failure", "solo"), "no luck");
    const r = await waiter.exit();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /waits-for-failure, iteration \d+: 1 build: 1 failed\nSee what failed: buildbtw show waits-for-failure\n$/,
    );
  });
});

describe("bad input and errors", () => {
  test("an unknown namespace is one line and exit 1 for every command", async () => {
    for (const args of [
      ["show", "nope"],
      ["cancel", "nope"],
      ["resume", "nope"],
      ["retry", "nope"],
      ["retry", "nope", "zlib"],
      ["logs", "nope", "zlib"],
    ])
      expectOneLineFailure(await server.cli(args), "no namespace named nope");
  });

  test("invalid names and values are refused with one sentence, and nothing changes", async () => {
    const before = await namespaces();
    for (const args of [
      ["show", "../x"],
      ["cancel", "../x"],
      ["resume", "../x"],
      ["retry", "../x"],
      ["logs", "../x", "zlib"],
      ["new", "zlib/main", "--name", "../x"],
    ])
      expectOneLineFailure(await server.cli(args), '"../x" is not a valid namespace name');
    expectOneLineFailure(await server.cli(["logs", "broken-zlib", "../zlib"]), '"../zlib" is not a valid pkgbase');
    expectOneLineFailure(
      await server.cli(["retry", "broken-zlib", "zlib", "--arch", "any"]),
      "not a concrete architecture",
    );
    expectOneLineFailure(await server.cli(["new", "zlib"]), "is not an origin changeset; write pkgbase/ref");
    expectOneLineFailure(
      await server.cli(["new", "zlib/main", "--include", "optdepends"]),
      "--include takes makedepends",
    );
    expectOneLineFailure(
      await server.cli(["show", "broken-zlib", "--iteration", "0"]),
      "--iteration takes an iteration id",
    );
    expectOneLineFailure(await server.cli(["show", "broken-zlib", "--iteration", "999"]), "has no iteration 999");
    expectOneLineFailure(await server.cli(["plan", "zlib/../main", "--server"]), "is not a valid git ref");
    expect(await namespaces()).toEqual(before);
  });

  test("the server's refusals are its one sentence: unknown origin, duplicate name", async () => {
    const before = await namespaces();
    expectOneLineFailure(await server.cli(["new", "nosuch/main"]), "nosuch");
    expectOneLineFailure(
      await server.cli(["new", "zlib/main", "--name", "broken-zlib"]),
      "a namespace named broken-zlib already exists",
    );
    expect(await namespaces()).toEqual(before);
  });

  test("a change without a token says how to get one; a token without the right says the same", async () => {
    const before = await namespaces();
    for (const args of [
      ["new", "solo/main"],
      ["cancel", "broken-zlib"],
      ["resume", "broken-zlib"],
      ["retry", "broken-zlib"],
    ]) {
      expectOneLineFailure(
        await server.cli(args, { BUILDBTW_TOKEN: "" }),
        "--token or BUILDBTW_TOKEN",
        "DATA_DIR/admin-token",
      );
      expectOneLineFailure(
        await server.cli(args, { BUILDBTW_TOKEN: workerToken }),
        "this needs the packager role or a token with the namespaces:write scope",
        "DATA_DIR/admin-token",
      );
    }
    expect(await namespaces()).toEqual(before);
    // Reading needs no token.
    expect((await server.cli(["list"], { BUILDBTW_TOKEN: "" })).code).toBe(0);
  });

  test("an unreachable server is named, from the flag or SERVER_URL", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    expectOneLineFailure(
      await server.cli(["list", "--server-url", url]),
      `cannot reach the buildbtw server at ${url}: connection refused`,
    );
    expectOneLineFailure(
      await server.cli(["show", "zlib"], { SERVER_URL: url }),
      `cannot reach the buildbtw server at ${url}`,
    );
    expectOneLineFailure(await server.cli(["plan", "zlib/main", "--server"], { SERVER_URL: url }), url);
    expectOneLineFailure(await server.cli(["list", "--server-url", "ftp://x"]), "must be an http:// or https:// URL");
  });

  test("a pkgbase built for several architectures needs --arch for its log", async () => {
    expect((await server.cli(["new", "multi/main"])).code).toBe(0);
    await waitFor("multi's iteration", async () => nodesOf(await show("multi")).length === 2);
    expectOneLineFailure(
      await server.cli(["logs", "multi", "multi"]),
      "multi is built for",
      "aarch64",
      "x86_64",
      "choose one with --arch",
    );
    const r = await server.cli(["logs", "multi", "multi", "--arch", "aarch64", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ text: "", finished: false });
    const human = await server.cli(["logs", "multi", "multi", "--arch", "x86_64"]);
    expect(human).toMatchObject({
      code: 0,
      stdout: "",
      stderr: "buildbtw: multi (x86_64) has no log yet: it is pending\n",
    });
    expect((await server.cli(["cancel", "multi"])).code).toBe(0);
  });
});
