// The build drivers' stop paths end to end: a real `buildbtw serve`, real `buildbtw worker --driver makepkg`
// processes and real makepkg. A build past --build-timeout fails its node and keeps its directory; a
// cancelled namespace revokes the lease and the worker kills the build's processes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { FAILED_MARKER } from "../src/worker/build-dirs";
import { isRunning, reachableTempDir, readPid, recipeRepo, sharedTempDir } from "./drivers-fixtures";
import { runCli } from "./support/cli";
import { removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import type { Recipe } from "./support/recipes";

interface Node {
  pkgbase: string;
  status: string;
  failure_reason: string | null;
}
interface Detail {
  iteration: { architectures: Record<string, { nodes: Node[] }> } | null;
}

let tmp: string;
let shared: string;
let server: ServerProcess;
const workers: Subprocess[] = [];

/** A package whose build() sleeps ten minutes, writing the sleep's pid where the test can read it. */
const sleeper = (pkgbase: string, arch: string): Recipe => ({
  pkgbase,
  arch: [arch],
  build: [`sleep 600 & echo $! > ${join(shared, `${pkgbase}.pid`)}; wait`],
});

beforeAll(async () => {
  tmp = reachableTempDir("drivers-e2e-");
  shared = sharedTempDir("drivers-e2e-pids-");
  const repos = join(tmp, "repos");
  for (const r of [sleeper("slowpoke", "x86_64_v3"), sleeper("sleeper", "x86_64")]) {
    recipeRepo(repos, r);
  }
  // Short leases: the worker heartbeats every second and learns of a cancel within about that.
  server = await startServer({ dataDir: join(tmp, "data"), reposDir: repos, env: { BUILDBTW_LEASE_TTL_MS: "3000" } });
  const token = await server.workerToken("makepkg-worker");
  // Two workers, one per architecture, so the timeout of one cannot race the cancel of the other. The timeout is
  // 10 s because on a loaded machine makepkg can take seconds to reach build() and write the sleep's pid.
  workers.push(
    startWorker({
      server: server.url,
      token,
      workDir: join(tmp, "work-v3"),
      args: ["--driver", "makepkg", "--arch", "x86_64_v3", "--build-timeout", "10"],
    }),
    startWorker({ server: server.url, token, workDir: join(tmp, "work"), args: ["--driver", "makepkg"] }),
  );
});

afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
  removeDir(shared);
});

const nodeOf = async (namespace: string, pkgbase: string): Promise<Node | undefined> => {
  const detail = (await server.api<Detail>(`/api/v1/namespaces/${namespace}`)).body;
  return Object.values(detail.iteration?.architectures ?? {})
    .flatMap((a) => a.nodes)
    .find((n) => n.pkgbase === pkgbase);
};

const create = async (origin: string) =>
  expect(
    (await server.api("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ origin_changesets: [origin] }) }))
      .status,
  ).toBe(201);

describe("worker --driver makepkg against serve", () => {
  test("--help explains drivers, the build user, the timeout and hygiene", async () => {
    const help = await runCli(["worker", "--help"]);
    expect(help.code).toBe(0);
    const text = (help.stdout + help.stderr).replace(/\s+/g, " ");
    for (const phrase of [
      "makepkg (any Linux with makepkg",
      "with --nodeps",
      "pkgctl (Arch, as root",
      "--build-user",
      "useradd --system --create-home",
      "--build-timeout",
      "build timed out after",
      "--keep-failed-hours",
      "--modify-gpg-keyring",
    ]) {
      expect(text).toContain(phrase);
    }
  });

  test("a build past --build-timeout fails its node, its processes killed, its directory kept", async () => {
    await create("slowpoke/main");
    const pid = await waitFor("the sleep to start", () => readPid(join(shared, "slowpoke.pid")), 60_000);
    const node = await waitFor(
      "the node to fail",
      async () => {
        const n = await nodeOf("slowpoke", "slowpoke");
        return n?.status === "failed" ? n : undefined;
      },
      60_000,
      100,
    );
    expect(node.failure_reason).toBe("build timed out after 10s");
    expect(isRunning(pid)).toBe(false);
    const kept = readdirSync(join(tmp, "work-v3")).filter((n) => n.startsWith("build-"));
    expect(kept).toHaveLength(1);
    const marker = join(tmp, "work-v3", kept[0] as string, FAILED_MARKER);
    await waitFor("the failure marker", () => existsSync(marker));
    expect(readFileSync(marker, "utf8")).toContain("build timed out after 10s");
  });

  test("cancelling the namespace kills makepkg and every child; the build directory goes", async () => {
    await create("sleeper/main");
    const pid = await waitFor("the sleep to start", () => readPid(join(shared, "sleeper.pid")), 60_000);
    expect(isRunning(pid)).toBe(true);
    const patch = await server.api("/api/v1/namespaces/sleeper", {
      method: "PATCH",
      body: JSON.stringify({ status: "cancelled" }),
    });
    expect(patch.status).toBe(200);
    await waitFor("the sleep to be killed", () => !isRunning(pid), 30_000, 100);
    await waitFor(
      "the build directory to go",
      () => readdirSync(join(tmp, "work")).filter((n) => n.startsWith("build-")).length === 0,
      30_000,
    );
  });
});
