// The worker around real makepkg builds (runWorker in-process, the real client, the fake lease server over
// real HTTP): build timeout, cancellation and lost leases killing the build's processes, and disk hygiene
// of the work directory.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lease } from "../src/api/schemas";
import { createMakepkgDriver } from "../src/drivers/makepkg";
import { FAILED_MARKER } from "../src/worker/build-dirs";
import type { WorkerSettings } from "../src/worker/run-worker";
import { isRunning, leaseFor, reachableTempDir, readPid, recipeRepo, sharedTempDir } from "./drivers-fixtures";
import { removeDir } from "./support/git";
import { waitFor } from "./support/processes";
import type { Recipe } from "./support/recipes";
import { type FakeServer, type FakeServerOptions, readPkginfo, startWorker, stopWorkers } from "./worker-fake-server";

let tmp: string;
let shared: string;
let n = 0;

beforeAll(() => {
  tmp = reachableTempDir("drivers-worker-");
  shared = sharedTempDir("drivers-worker-pids-");
});
afterEach(stopWorkers);
afterAll(() => {
  removeDir(tmp);
  removeDir(shared);
});

const driver = createMakepkgDriver({ buildUser: "buildbtw-build", graceMs: 500 });

/** A fake server and a worker with the makepkg driver against it. */
function start(options: { server?: FakeServerOptions; settings?: Partial<WorkerSettings>; workDir?: string } = {}) {
  return startWorker({ ...options, driver, workDir: options.workDir ?? join(tmp, `work-${++n}`) });
}

/** A source repository for `r` and the lease for it (heartbeats every 100 ms). */
function leaseOf(r: Recipe): Lease {
  const { path, commit } = recipeRepo(join(tmp, "repos"), r);
  return leaseFor(r, path, commit, { ttl_ms: 300, namespace: "ns-worker" });
}

/** A PKGBUILD whose build() sleeps for ten minutes, writing the sleep's pid to `<shared>/<name>.pid`. */
function sleeper(name: string): { recipe: Recipe; pidFile: string } {
  const pidFile = join(shared, `${name}.pid`);
  return { recipe: { pkgbase: name, build: [`sleep 600 & echo $! > ${pidFile}; wait`] }, pidFile };
}

const resultOf = (server: FakeServer, lease: Lease) =>
  server.events.find((e) => e.kind === "result" && e.leaseId === lease.lease_id) as
    | { status: string; reason?: string }
    | undefined;
const logOf = (server: FakeServer, lease: Lease) =>
  server.events
    .filter((e) => e.kind === "log" && e.leaseId === lease.lease_id)
    .map((e) => (e as { text: string }).text)
    .join("");
const buildDirs = (workDir: string) => readdirSync(workDir).filter((name) => name.startsWith("build-"));

describe("worker with the makepkg driver", () => {
  test("uploads makepkg's package and removes the build directory", async () => {
    const { server, workDir } = start();
    const lease = leaseOf({ pkgbase: "uploaded", pkgver: "3.0" });
    server.offer(lease);
    const result = await waitFor("the result", () => resultOf(server, lease), 60_000);
    expect(result).toMatchObject({ status: "built" });
    const file = server.events.find((e) => e.kind === "file" && e.leaseId === lease.lease_id) as { bytes: Uint8Array };
    expect(readPkginfo(file.bytes)).toMatchObject({ pkgname: ["uploaded"], pkgver: ["3.0-1"], arch: ["x86_64"] });
    expect(logOf(server, lease)).toContain("==> Finished making: uploaded 3.0-1");
    await waitFor("the build directory to go", () => buildDirs(workDir).length === 0);
  });

  test("uploads <pkgbase>-debug too when makepkg made it (a binary with debug symbols)", async () => {
    const { server } = start();
    const lease = leaseOf({
      pkgbase: "withsymbols",
      build: ['printf "int main(){return 0;}" > main.c && cc -g -o prog main.c'],
      packageExtra: ['install -Dm755 "$srcdir/prog" "$pkgdir/usr/bin/withsymbols"'],
    });
    server.offer(lease);
    const result = await waitFor("the result", () => resultOf(server, lease), 60_000);
    expect(result).toMatchObject({ status: "built" });
    const files = server.events
      .filter((e) => e.kind === "file" && e.leaseId === lease.lease_id)
      .map((e) => (e as { name: string }).name);
    expect(files).toEqual(["withsymbols-1.0-1-x86_64.pkg.tar.zst", "withsymbols-debug-1.0-1-x86_64.pkg.tar.zst"]);
  });

  test("a failed build keeps its directory with the reason, for --keep-failed-hours", async () => {
    const { server, workDir } = start({ settings: { keepFailedMs: 24 * 3_600_000 } });
    const lease = leaseOf({ pkgbase: "fails", build: ["false"] });
    server.offer(lease);
    const result = await waitFor("the result", () => resultOf(server, lease), 60_000);
    expect(result).toMatchObject({ status: "failed", reason: "makepkg exited with status 4" });
    const [kept] = await waitFor("the marker", () => {
      const dirs = buildDirs(workDir);
      return dirs.length === 1 && existsSync(join(workDir, dirs[0] as string, FAILED_MARKER)) && dirs;
    });
    expect(readFileSync(join(workDir, kept as string, FAILED_MARKER), "utf8")).toContain(
      "makepkg exited with status 4",
    );
    expect(existsSync(join(workDir, kept as string, "source", "PKGBUILD"))).toBe(true);
    expect(logOf(server, lease)).toContain(`for 24h: ${join(workDir, kept as string)}`);
  });

  test("a build past --build-timeout is killed and fails saying so", async () => {
    const { recipe, pidFile } = sleeper("slowpoke");
    // 10 s, not less: on a loaded machine makepkg can take seconds to reach build(), and a timeout that fires
    // before the sleep writes its pid leaves nothing to check the kill against.
    const { server } = start({ settings: { buildTimeoutMs: 10_000 } });
    const lease = leaseOf(recipe);
    server.offer(lease);
    const pid = await waitFor("the sleep to start", () => readPid(pidFile), 60_000);
    const result = await waitFor("the result", () => resultOf(server, lease), 60_000);
    expect(result).toMatchObject({ status: "failed", reason: "build timed out after 10s" });
    expect(isRunning(pid)).toBe(false);
    expect(logOf(server, lease)).toContain("build failed: build timed out after 10s");
  });

  for (const [how, answer] of [
    ["the server cancels the build", "cancel"],
    ["the lease is no longer current (409)", "conflict"],
  ] as const) {
    test(`when ${how}, makepkg and its children are killed and nothing is reported`, async () => {
      const { recipe, pidFile } = sleeper(`stopped-${answer}`);
      let stopNow = false;
      const { server, workDir, logs } = start({ server: { onHeartbeat: () => (stopNow ? answer : "ok") } });
      const lease = leaseOf(recipe);
      server.offer(lease);
      const pid = await waitFor("the sleep to start", () => readPid(pidFile), 60_000);
      expect(isRunning(pid)).toBe(true);
      stopNow = true;
      await waitFor("the lease to be dropped", () => logs.find((l) => l.msg.startsWith("dropped lease")), 30_000);
      expect(isRunning(pid)).toBe(false);
      expect(resultOf(server, lease)).toBeUndefined();
      // Nobody will look at a build the server moved on from: its directory goes.
      await waitFor("the build directory to go", () => buildDirs(workDir).length === 0);
    });
  }
});

describe("sweeping the work directory", () => {
  const age = (path: string, hours: number) => {
    const then = new Date(Date.now() - hours * 3_600_000);
    utimesSync(path, then, then);
  };

  test("at start: expired failed builds, leftovers of dead builds and idle chroots go; the rest stays", async () => {
    const workDir = join(tmp, "swept");
    const make = (name: string, marker?: number) => {
      mkdirSync(join(workDir, name, "source"), { recursive: true });
      if (marker !== undefined) {
        writeFileSync(join(workDir, name, FAILED_MARKER), "failed\n");
        age(join(workDir, name, FAILED_MARKER), marker);
      }
    };
    make("build-1-expired", 30);
    make("build-2-recent", 1);
    make("build-3-leftover");
    mkdirSync(join(workDir, "chroots", "idle-ns"), { recursive: true });
    mkdirSync(join(workDir, "chroots", "busy-ns"), { recursive: true });
    age(join(workDir, "chroots", "idle-ns"), 48);
    writeFileSync(join(workDir, "unrelated.txt"), "not ours to judge\n");

    const { logs } = start({ workDir, settings: { keepFailedMs: 24 * 3_600_000 } });
    await waitFor("the first sweep", () => logs.some((l) => l.msg.startsWith("worker started")));
    expect(readdirSync(workDir).sort()).toEqual(["build-2-recent", "chroots", "unrelated.txt"]);
    expect(readdirSync(join(workDir, "chroots"))).toEqual(["busy-ns"]);
    expect(
      logs
        .map((l) => l.msg)
        .filter((m) => m.startsWith("removed "))
        .sort(),
    ).toEqual([
      expect.stringMatching(/^removed .*\/build-1-expired: failed build kept since /),
      expect.stringMatching(/^removed .*\/build-3-leftover: left by a build that is no longer running$/),
      expect.stringMatching(/^removed .*\/chroots\/idle-ns: chroot of namespace idle-ns, unused since /),
    ]);
  });

  test("periodically: a failed build's directory goes once its time is up", async () => {
    const { server, workDir, logs } = start({ settings: { keepFailedMs: 1500, sweepEveryMs: 100 } });
    const lease = leaseOf({ pkgbase: "shortlived", build: ["false"] });
    server.offer(lease);
    await waitFor("the result", () => resultOf(server, lease), 60_000);
    expect(buildDirs(workDir)).toHaveLength(1);
    // The sweep logs what it removed once it is done, a moment after the directory is gone.
    await waitFor(
      "the sweep's log line",
      () => logs.some((l) => /^removed .*\/build-\d+-[0-9a-f]+: failed build kept since /.test(l.msg)),
      30_000,
    );
    expect(buildDirs(workDir)).toHaveLength(0);
  });

  test("--keep-failed-hours 0 removes a failed build's directory at once", async () => {
    const { server, workDir } = start({ settings: { keepFailedMs: 0 } });
    const lease = leaseOf({ pkgbase: "nokeep", build: ["false"] });
    server.offer(lease);
    await waitFor("the result", () => resultOf(server, lease), 60_000);
    await waitFor("the build directory to go", () => buildDirs(workDir).length === 0);
  });
});
