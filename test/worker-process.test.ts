// `buildbtw worker` as a real process against the fake lease server.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "./support/processes";
import { type FakeServer, makeLease, readPkginfo, startFakeServer } from "./worker-fake-server";

const root = resolve(import.meta.dir, "..");

let server: FakeServer;
let workDir: string;
const processes: Subprocess[] = [];

beforeEach(() => {
  server = startFakeServer();
  workDir = mkdtempSync(join(tmpdir(), "worker-process-"));
});
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill("SIGKILL");
  await server.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function worker(...args: string[]) {
  const proc = Bun.spawn(["bun", "src/main.ts", "worker", "--server", server.url, "--work-dir", workDir, ...args], {
    cwd: root,
    env: { ...process.env, BUILDBTW_TOKEN: "worker-token", BUILDBTW_LOG_FORMAT: "json", SERVER_URL: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  processes.push(proc);
  return proc;
}

describe("buildbtw worker (process)", () => {
  test("builds a lease into valid packages, and on SIGTERM finishes its build and exits 0", async () => {
    const proc = worker("--arch", "aarch64", "--arch", "x86_64", "--fake-delay-ms", "300");
    const lease = makeLease("zlib", { pkgnames: ["zlib", "minizip"] });
    server.offer(lease);
    await waitFor(
      "the build to start",
      () => server.events.some((e) => e.kind === "heartbeat" && e.leaseId === lease.lease_id),
      10_000,
      5,
    );
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    const result = server.events.find((e) => e.kind === "result" && e.leaseId === lease.lease_id);
    expect(result).toMatchObject({ status: "built" });
    for (const file of server.events.filter((e) => e.kind === "file")) {
      expect(readPkginfo(file.bytes).pkgbase).toEqual(["zlib"]);
    }
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain('"pkgbase":"zlib"');
  });

  test("a refused token: exit 1 and the server's sentence", async () => {
    const proc = worker("--token", "not-the-token");
    expect(await proc.exited).toBe(1);
    expect(await new Response(proc.stderr).text()).toContain("buildbtw: this token is not a worker token");
  });

  test("a driver this host cannot run: exit 1 saying what to install", async () => {
    // No devtools on this host: the pkgctl driver is refused at start rather than failing every build.
    const proc = worker("--driver", "pkgctl");
    expect(await proc.exited).toBe(1);
    expect(await new Response(proc.stderr).text()).toContain(
      "buildbtw: the pkgctl driver needs pkgctl, which is not installed: install devtools (pacman -S devtools), or use --driver makepkg",
    );
  });
});
