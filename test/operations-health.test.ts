// Issue 13: liveness and readiness of a real `serve` process. The data directory is a small tmpfs mounted
// by the test (tests run as root): filling it and making the database immutable must turn readiness to
// 503 with the failing check named, and freeing it must bring 200 back, while liveness stays 200.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, statfsSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { GitlabDouble } from "./gitlab-double";
import { startGitlabServer } from "./gitlab-double/packages";
import { runProcess } from "./support/cli";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Ready {
  status: "ready" | "not_ready";
  checks: Record<string, { ok: boolean; error?: string; [k: string]: unknown }>;
}

const MiB = 1024 * 1024;
let tmp: string;
let mnt: string;
let server: ServerProcess;

async function sh(...command: string[]): Promise<void> {
  const r = await runProcess(command, { env: process.env });
  if (r.code !== 0) throw new Error(`${command.join(" ")} exited ${r.code}: ${r.stderr}`);
}

const ready = async () => server.api<Ready>("/api/v1/ready", { token: null });

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-health-");
  const repos = join(tmp, "repos");
  makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
  mnt = join(tmp, "data");
  mkdirSync(mnt);
  await sh("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt);
  server = await startServer({
    dataDir: mnt,
    reposDir: repos,
    env: { BUILDBTW_MIN_FREE_DISK: "8M", BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
});

afterAll(async () => {
  await server?.stop();
  await runProcess(["chattr", "-i", join(mnt, "buildbtw.sqlite")], { env: process.env });
  await runProcess(["umount", "-l", mnt], { env: process.env });
  removeDir(tmp);
});

describe("health and readiness", () => {
  test("health answers without a token, /healthz is its alias", async () => {
    const health = await server.api<{ ok: boolean; status: string }>("/api/v1/health", { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, status: "alive" });
    const alias = await server.api<{ ok: boolean; status: string }>("/healthz", { token: null });
    expect(alias.status).toBe(200);
    expect(alias.body.status).toBe("alive");
  });

  test("ready lists every check with its result", async () => {
    const r = await ready();
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ready");
    expect(Object.keys(r.body.checks).sort()).toEqual(["database", "disk", "loops", "migrations"]);
    for (const c of Object.values(r.body.checks)) expect(c.ok).toBe(true);
    expect(r.body.checks.migrations).toMatchObject({ ok: true });
    expect(r.body.checks.migrations!.applied).toBe(r.body.checks.migrations!.known);
    const loops = (r.body.checks.loops!.loops as { name: string; ok: boolean }[]).map((l) => l.name).sort();
    expect(loops).toContain("lease-expiry");
    expect(loops).toContain("ref-check");
  });

  test("a full disk makes the server not ready, and freeing it makes it ready again", async () => {
    const s = statfsSync(mnt);
    const fill = join(mnt, "fill");
    // Leave less than BUILDBTW_MIN_FREE_DISK (8M) but a little, so SQLite can still work.
    await sh("fallocate", "-l", String(s.bavail * s.bsize - 2 * MiB), fill);
    const low = await waitFor("readiness to fail", async () => {
      const r = await ready();
      return r.status === 503 ? r : undefined;
    });
    expect(low.body.status).toBe("not_ready");
    expect(low.body.checks.disk!.ok).toBe(false);
    expect(low.body.checks.disk!.error).toContain("BUILDBTW_MIN_FREE_DISK");
    expect(low.body.checks.database!.ok).toBe(true);
    // Liveness is not readiness.
    expect((await server.api("/api/v1/health", { token: null })).status).toBe(200);

    unlinkSync(fill);
    const back = await waitFor("readiness to return", async () => {
      const r = await ready();
      return r.status === 200 ? r : undefined;
    });
    expect(back.body.checks.disk!.ok).toBe(true);
  });

  test("a database that cannot be written makes the server not ready until it can again", async () => {
    const db = join(mnt, "buildbtw.sqlite");
    await sh("chattr", "+i", db);
    try {
      const r = await waitFor("readiness to fail", async () => {
        const x = await ready();
        return x.status === 503 ? x : undefined;
      });
      expect(r.body.checks.database!.ok).toBe(false);
      expect(r.body.checks.database!.error).toContain("not writable");
      expect(r.body.checks.disk!.ok).toBe(true);
    } finally {
      await sh("chattr", "-i", db);
    }
    const back = await waitFor("readiness to return", async () => {
      const x = await ready();
      return x.status === 200 ? x : undefined;
    });
    expect(back.body.checks.database!.ok).toBe(true);
  });
});

describe("readiness in GitLab mode checks the token", () => {
  let gl: GitlabDouble;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    gl = await GitlabDouble.start();
    gl.addProject({ name: "zlib", files: { ".SRCINFO": srcinfo({ pkgbase: "zlib" }) } });
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await gl?.close();
  });

  test("a valid token is ready; a token GitLab refuses is not", async () => {
    const good = await startGitlabServer(gl);
    servers.push(good);
    const ok = await good.api<Ready>("/api/v1/ready", { token: null });
    expect(ok.status).toBe(200);
    expect(ok.body.checks.gitlab_token!.ok).toBe(true);

    const bad = await startGitlabServer(gl, { GITLAB_TOKEN: "glpat-not-a-token-at-all" });
    servers.push(bad);
    const refused = await bad.api<Ready>("/api/v1/ready", { token: null });
    expect(refused.status).toBe(503);
    expect(refused.body.checks.gitlab_token).toMatchObject({ ok: false, status: 401 });
    expect(refused.body.checks.gitlab_token!.error).toContain("GITLAB_TOKEN");
    expect(refused.body.checks.database!.ok).toBe(true);
  });
});
