// Issue 3 end to end: real `serve` and `worker --driver fake` processes over real HTTP, real git
// repositories, and real pacman installing from the served repository.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { runCli } from "./support/cli";
import { commit, git, makeRepo, makeTempDir, removeDir } from "./support/git";
import { createPacmanRoot } from "./support/pacman";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  blocked_by: string[];
  failure_reason: string | null;
}
interface Detail {
  namespace: { name: string; status: string; problem: string | null };
  iteration: {
    id: number;
    reason: string;
    diff: { per_arch: Record<string, { commits_changed: { pkgbase: string }[] }> } | null;
    superseded: boolean;
    architectures: Record<string, { nodes: Node[]; edges: [string, string][] }>;
    repository: { pacman_conf: string };
  } | null;
  iterations: { id: number; reason: string }[];
}

let tmp: string;
let repos: string;
const workers: Subprocess[] = [];

function universe(dir: string): void {
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(dir, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "zlib", pkgver: "1.3" });
  add({ pkgbase: "libpng", depends: ["zlib"] });
  add({ pkgbase: "freetype", depends: ["zlib", "libpng>=1.0"] });
  add({ pkgbase: "cairo", depends: ["libpng", "freetype"] });
  add({ pkgbase: "fonts", arch: ["any"], depends: ["freetype"] });
  add({ pkgbase: "splitlib", depends: ["zlib"], packages: ["splitlib", "splitlib-tools"] });
  add({ pkgbase: "usetools", depends: ["splitlib-tools"] });
  add({ pkgbase: "solo" });
  add({ pkgbase: "unrelated", depends: ["glibc"] });
}

beforeAll(() => {
  tmp = makeTempDir();
  repos = join(tmp, "repos");
  universe(repos);
});

afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  removeDir(tmp);
});

const nodesOf = (d: Detail) => d.iteration?.architectures.x86_64?.nodes ?? [];
const show = async (s: ServerProcess, name: string, iteration?: number) =>
  (await s.api<Detail>(`/api/v1/namespaces/${name}${iteration ? `?iteration=${iteration}` : ""}`)).body;

describe("serve + fake workers", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer({
      dataDir: join(tmp, "data-main"),
      reposDir: repos,
      env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
    });
    for (const name of ["w1", "w2"]) {
      const token = await server.workerToken(name);
      workers.push(
        startWorker({
          server: server.url,
          token,
          workDir: join(tmp, `work-${name}`),
          args: ["--concurrency", "2", "--fake-delay-ms", "300"],
        }),
      );
    }
  });
  afterAll(async () => server?.stop());

  test("a namespace builds in dependency order; a push makes a new iteration; pacman installs the result", async () => {
    const created = await server.api<{ name: string; status: string }>("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "zlib", status: "active", origin_changesets: ["zlib/main"] });

    // Iteration 1 starts; while its first build runs, the origin and a dependent move.
    const first = await waitFor("iteration 1 to start building", async () => {
      const d = await show(server, "zlib");
      return nodesOf(d).some((n) => n.status === "scheduled" || n.status === "building") ? d : undefined;
    });
    expect(first.iteration!.reason).toBe("first");
    expect(
      nodesOf(first)
        .map((n) => n.pkgbase)
        .sort(),
    ).toEqual(["cairo", "fonts", "freetype", "libpng", "splitlib", "usetools", "zlib"]);
    commit(join(repos, "zlib"), { ".SRCINFO": srcinfo({ pkgbase: "zlib", pkgver: "1.3.1" }) }, "zlib 1.3.1");
    commit(
      join(repos, "libpng"),
      { ".SRCINFO": srcinfo({ pkgbase: "libpng", pkgrel: "2", depends: ["zlib"] }) },
      "libpng rebuild",
    );
    expect((await server.api("/api/v1/refresh", { method: "POST" })).status).toBe(202);

    const second = await waitFor("iteration 2", async () => {
      const d = await show(server, "zlib");
      return d.iteration && d.iteration.id !== first.iteration!.id ? d : undefined;
    });
    expect(second.iteration!.reason).toBe("graph_changed");
    const changed = second.iteration!.diff!.per_arch.x86_64!.commits_changed.map((c) => c.pkgbase).sort();
    expect(changed).toEqual(["libpng", "zlib"]);
    expect(second.iterations.map((i) => i.reason)).toEqual(["graph_changed", "first"]);

    const done = await waitFor(
      "iteration 2 to be built",
      async () => {
        const d = await show(server, "zlib");
        return nodesOf(d).every((n) => n.status === "built") ? d : undefined;
      },
      60_000,
    );

    // Both workers are known, with their architectures and when they were last seen.
    const workersList = await server.api<{
      workers: { name: string; architectures: string[]; last_seen: string | null; current_builds: number[] }[];
    }>("/api/v1/workers");
    expect(workersList.body.workers.map((w) => w.name).sort()).toEqual(["w1", "w2"]);
    for (const w of workersList.body.workers)
      expect(w).toMatchObject({ architectures: ["x86_64"], last_seen: expect.any(String), current_builds: [] });

    // No build started before every build it depends on had finished.
    const nodes = new Map(nodesOf(done).map((n) => [n.pkgbase, n]));
    for (const [from, to] of done.iteration!.architectures.x86_64!.edges) {
      expect(nodes.get(from)!.finished_at! <= nodes.get(to)!.started_at!).toBe(true);
    }
    // The superseded iteration's blocked builds were never started.
    const old = await show(server, "zlib", first.iteration!.id);
    expect(old.iteration!.superseded).toBe(true);
    const neverStarted = nodesOf(old).filter((n) => n.status === "blocked");
    expect(neverStarted.length).toBeGreaterThan(0);
    for (const n of neverStarted) expect(n.started_at).toBeNull();

    // Real pacman syncs our database and installs with dependencies resolved from it.
    const pacman = createPacmanRoot({
      repos: [{ name: "buildbtw-zlib", server: `${server.url}/repo/zlib/latest/os/x86_64` }],
    });
    await pacman.ok("-Sy");
    await pacman.ok("-S", "cairo", "usetools", "fonts");
    const installed = await pacman.installed();
    // The origin is built as committed; every rebuild with its pkgrel bumped (libpng's own 2 becomes 3).
    expect(installed).toMatchObject({
      zlib: "1.3.1-1",
      libpng: "1.0.0-3",
      cairo: "1.0.0-2",
      "splitlib-tools": "1.0.0-2",
      usetools: "1.0.0-2",
      fonts: "1.0.0-2",
      freetype: "1.0.0-2",
    });
    expect(nodes.get("libpng")).toMatchObject({
      kind: "rebuild",
      version: "1.0.0-2",
      built_version: "1.0.0-3",
      version_text: "1.0.0-2 → 1.0.0-3 (rebuild)",
    });
    expect(nodes.get("zlib")).toMatchObject({ kind: "origin", built_version: "1.3.1-1", version_text: "1.3.1-1" });
    pacman.remove();
    expect(done.iteration!.repository.pacman_conf).toContain("[buildbtw-zlib]");

    // Databases carry no Last-Modified (pacman would skip a rewrite within the same second);
    // package files do, and both answer HEAD and Range like a static file server.
    const base = `${server.url}/repo/zlib/latest/os/x86_64`;
    const db = await fetch(`${base}/buildbtw-zlib.db`, { method: "HEAD" });
    expect(db.status).toBe(200);
    expect(db.headers.get("last-modified")).toBeNull();
    const pkg = `${base}/zlib-1.3.1-1-x86_64.pkg.tar.zst`;
    const head = await fetch(pkg, { method: "HEAD" });
    expect(head.headers.get("last-modified")).not.toBeNull();
    const size = Number(head.headers.get("content-length"));
    const tail = await fetch(pkg, { headers: { range: "bytes=10-" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes 10-${size - 1}/${size}`);
    expect((await tail.arrayBuffer()).byteLength).toBe(size - 10);
    expect((await fetch(pkg, { headers: { range: `bytes=${size + 5}-` } })).status).toBe(416);
  });

  test("a broken .SRCINFO or a deleted branch on an origin is the namespace's problem until fixed", async () => {
    const solo = join(repos, "solo");
    git(solo, "checkout", "--quiet", "-b", "feature");
    commit(solo, { ".SRCINFO": srcinfo({ pkgbase: "solo", pkgrel: "2" }) }, "solo on a branch");
    git(solo, "checkout", "--quiet", "main");
    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ name: "probe", origin_changesets: ["solo/feature"] }),
    });
    expect(created.status).toBe(201);
    const first = await waitFor("probe's iteration", async () => (await show(server, "probe")).iteration);
    const problemOf = async () => (await show(server, "probe")).namespace.problem;
    expect(await problemOf()).toBeNull();

    // A push that breaks .SRCINFO: the namespace says where, and keeps its iteration.
    git(solo, "checkout", "--quiet", "feature");
    commit(solo, { ".SRCINFO": "pkgbase = solo\n\tpkgver = 1.0.0\n\tpkgrel = 3\n\tbogus = 1\n" }, "broken");
    git(solo, "checkout", "--quiet", "main");
    expect((await server.api("/api/v1/refresh", { method: "POST" })).status).toBe(202);
    const broken = await waitFor("the problem", problemOf);
    expect(broken).toContain("solo/.SRCINFO:4");
    expect(broken).toContain("bogus");
    const during = await show(server, "probe");
    expect(during.iteration!.id).toBe(first.id);
    expect(during.iterations).toHaveLength(1);
    const shown = await server.cli(["show", "probe"]);
    expect(shown.stdout).toContain(`problem:   ${broken}`);
    expect((await server.cli(["list"])).stdout).toMatch(/probe .*problem \(see show\)/);
    const page = await fetch(`${server.url}/namespaces/probe`);
    expect(await page.text()).toContain("<strong>Problem:</strong> solo/.SRCINFO:4");

    // The branch deleted: the problem says so. Found again on every ref check, not only when a ref moves.
    git(solo, "branch", "--quiet", "-D", "feature");
    await server.api("/api/v1/refresh", { method: "POST" });
    const gone = await waitFor("the problem to change", async () => {
      const p = await problemOf();
      return p !== broken ? p : undefined;
    });
    expect(gone).toContain("feature");

    // Fixed: the problem clears and the change becomes iteration 2.
    git(solo, "checkout", "--quiet", "-b", "feature");
    commit(solo, { ".SRCINFO": srcinfo({ pkgbase: "solo", pkgrel: "3" }) }, "fixed");
    git(solo, "checkout", "--quiet", "main");
    await server.api("/api/v1/refresh", { method: "POST" });
    const fixed = await waitFor("iteration 2", async () => {
      const d = await show(server, "probe");
      return d.iteration && d.iteration.id !== first.id ? d : undefined;
    });
    expect(fixed.namespace.problem).toBeNull();
    expect(fixed.iteration!.reason).toBe("graph_changed");
  });

  test("bad input gets a clear 4xx", async () => {
    const unknown = await server.api<{ error: string }>("/api/v1/namespaces/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain("no namespace named nope");
    expect((await server.api("/api/v1/namespaces/..%2Fetc")).status).toBe(400);
    const badOrigin = await server.api<{ error: string }>("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["../x/main"] }),
    });
    expect(badOrigin.status).toBe(400);
    expect(badOrigin.body.error).toContain("not a valid pkgbase");
    const badName = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["solo/main"], name: "../../x" }),
    });
    expect(badName.status).toBe(400);
    const unknownPkgbase = await server.api<{ error: string }>("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["ghost/main"] }),
    });
    expect(unknownPkgbase.status).toBe(404);
    const dup = await server.api<{ error: string }>("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["solo/main"], name: "zlib" }),
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toContain("already exists");
    const notJson = await server.api("/api/v1/namespaces", { method: "POST", body: "{nope" });
    expect(notJson.status).toBe(400);
    expect((await server.api("/repo/zlib/latest/os/x86_64/..%2F..%2Fbuildbtw.sqlite")).status).toBe(400);
  });

  test("missing and unknown tokens: 401; a token that may not do this: 403", async () => {
    const body = JSON.stringify({ origin_changesets: ["solo/main"] });
    expect((await server.api("/api/v1/namespaces", { method: "POST", body, token: null })).status).toBe(401);
    expect((await server.api("/api/v1/namespaces", { method: "POST", body, token: "wrong-token" })).status).toBe(401);
    const workerToken = await server.workerToken("intruder");
    expect((await server.api("/api/v1/namespaces", { method: "POST", body, token: workerToken })).status).toBe(403);
    expect(
      (
        await server.api("/api/v1/leases", {
          method: "POST",
          body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 0 }),
          token: null,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await server.api("/api/v1/leases", {
          method: "POST",
          body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 0 }),
          token: server.adminToken,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await server.api("/api/v1/namespaces/zlib", {
          method: "PATCH",
          body: JSON.stringify({ status: "cancelled" }),
          token: null,
        })
      ).status,
    ).toBe(401);
  });
});

describe("leases: expiry, stale results, bad uploads, a killed worker", () => {
  let server: ServerProcess;
  let token: string;
  const repoFiles = (ns: string) => {
    const dir = join(server.dataDir, "repos", ns);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((it) =>
      readdirSync(join(dir, it, "x86_64")).filter((f) => f.endsWith(".pkg.tar.zst")),
    );
  };

  beforeAll(async () => {
    server = await startServer({
      dataDir: join(tmp, "data-leases"),
      reposDir: repos,
      env: { BUILDBTW_LEASE_TTL_MS: "1500", BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
    });
    token = await server.workerToken("manual");
  });
  afterAll(async () => server?.stop());

  test("wrong uploads are refused and write nothing; a result for an expired lease gets 409", async () => {
    // Made before leasing: `token create` is a process of its own, too slow to fit in the lease's 1.5 s.
    const otherWorker = await server.workerToken("other");
    expect(
      (
        await server.api("/api/v1/namespaces", {
          method: "POST",
          body: JSON.stringify({ origin_changesets: ["solo/main"] }),
        })
      ).status,
    ).toBe(201);
    const lease = await waitFor("a lease", async () => {
      const r = await server.api<{ lease_id: string; expected_files: string[] }>("/api/v1/leases", {
        method: "POST",
        body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 2000 }),
        token,
      });
      return r.status === 200 ? r.body : undefined;
    });
    expect(lease.expected_files).toEqual(["solo-1.0.0-1-x86_64.pkg.tar.zst"]);
    const put = (name: string, body: Uint8Array, t = token) =>
      server.api<{ error: string }>(`/api/v1/leases/${lease.lease_id}/files/${encodeURIComponent(name)}`, {
        method: "PUT",
        body: body as BodyInit,
        token: t,
      });

    const wrongName = await put("other-1.0.0-1-x86_64.pkg.tar.zst", new Uint8Array([1, 2, 3]));
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error).toContain("not a package this build produces");
    const traversal = await put("../../../escape.pkg.tar.zst", new Uint8Array([1]));
    expect([400, 404]).toContain(traversal.status);
    const garbage = await put(lease.expected_files[0]!, new TextEncoder().encode("not a package"));
    expect(garbage.status).toBe(400);
    const { buildPackage } = await import("../src/pacman");
    const disagreeing = buildPackage({
      pkgname: "solo",
      pkgbase: "solo",
      version: { epoch: null, pkgver: "9.9", pkgrel: "1" },
      arch: "x86_64",
      depends: [],
      optdepends: [],
      provides: [],
      conflicts: [],
      replaces: [],
      pkgdesc: "wrong version",
    });
    const mismatch = await put(lease.expected_files[0]!, disagreeing);
    expect(mismatch.status).toBe(400);
    expect(repoFiles("solo")).toEqual([]);

    expect(
      (await server.api(`/api/v1/leases/${lease.lease_id}/heartbeat`, { method: "POST", token: otherWorker })).status,
    ).toBe(403);

    // Let the lease expire (TTL 1.5 s): the result is refused and the build is offered again.
    await waitFor(
      "the lease to expire",
      async () => {
        const d = await show(server, "solo");
        return nodesOf(d)[0]?.status === "pending" ? true : undefined;
      },
      10_000,
    );
    const late = await server.api<{ error: string }>(`/api/v1/leases/${lease.lease_id}/result`, {
      method: "POST",
      body: JSON.stringify({ status: "built" }),
      token,
    });
    expect(late.status).toBe(409);
    expect(nodesOf(await show(server, "solo"))[0]!.attempts).toBe(1);
    // Park it: the next tests lease by hand and must only see their own namespaces.
    await server.api("/api/v1/namespaces/solo", { method: "PATCH", body: JSON.stringify({ status: "cancelled" }) });
  });

  const leaseOnce = async (t = token, waitMs = 2000) => {
    const r = await server.api<{ lease_id: string; namespace: string; pkgbase: string }>("/api/v1/leases", {
      method: "POST",
      body: JSON.stringify({ architectures: ["x86_64"], wait_ms: waitMs }),
      token: t,
    });
    return r.status === 200 ? r.body : null;
  };
  const create = (name: string, origin: string) =>
    server.api("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ origin_changesets: [origin], name }) });

  test("cancel revokes leases and stops dispatch; resume offers the build again; a failed node can be retried", async () => {
    expect((await create("cancelme", "solo/main")).status).toBe(201);
    const lease = await waitFor("a lease", () => leaseOnce());
    expect(lease.namespace).toBe("cancelme");
    const cancel = await server.api<{ status: string }>("/api/v1/namespaces/cancelme", {
      method: "PATCH",
      body: JSON.stringify({ status: "cancelled" }),
    });
    expect(cancel.body.status).toBe("cancelled");
    expect((await server.api(`/api/v1/leases/${lease.lease_id}/heartbeat`, { method: "POST", token })).status).toBe(
      409,
    );
    const afterCancel = nodesOf(await show(server, "cancelme"))[0]!;
    expect(afterCancel).toMatchObject({ status: "pending", attempts: 0 });
    expect(await leaseOnce(token, 300)).toBeNull();
    const listed = await server.api<{ namespaces: { name: string }[] }>("/api/v1/namespaces");
    expect(listed.body.namespaces.map((n) => n.name)).not.toContain("cancelme");
    const all = await server.api<{ namespaces: { name: string; status: string }[] }>("/api/v1/namespaces?all=true");
    expect(all.body.namespaces.find((n) => n.name === "cancelme")?.status).toBe("cancelled");
    expect((await server.api("/api/v1/namespaces/cancelme/iterations", { method: "POST" })).status).toBe(409);

    expect(
      (await server.api("/api/v1/namespaces/cancelme", { method: "PATCH", body: JSON.stringify({ status: "active" }) }))
        .status,
    ).toBe(200);
    const again = await waitFor("a lease after resume", () => leaseOnce());
    expect(again.namespace).toBe("cancelme");
    await server.api(`/api/v1/leases/${again.lease_id}/log`, {
      method: "POST",
      body: "==> ERROR: A failure occurred in build().\n",
      token,
    });
    const failed = await server.api(`/api/v1/leases/${again.lease_id}/result`, {
      method: "POST",
      body: JSON.stringify({ status: "failed", reason: "makepkg exited 4" }),
      token,
    });
    expect(failed.status).toBe(200);
    const node = nodesOf(await show(server, "cancelme"))[0]!;
    expect(node).toMatchObject({ status: "failed", failure_reason: "makepkg exited 4" });
    const log = await server.api<{ text: string; finished: boolean }>(`/api/v1/builds/${node.id}/log`);
    expect(log.body).toMatchObject({ text: "==> ERROR: A failure occurred in build().\n", finished: true });

    const retried = await server.api<{ status: string; attempts: number }>("/api/v1/namespaces/cancelme/retry-node", {
      method: "POST",
      body: JSON.stringify({ pkgbase: "solo" }),
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: "pending", attempts: 0 });
    expect(
      (
        await server.api("/api/v1/namespaces/cancelme/retry-node", {
          method: "POST",
          body: JSON.stringify({ pkgbase: "solo" }),
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await server.api("/api/v1/namespaces/cancelme/retry-node", {
          method: "POST",
          body: JSON.stringify({ pkgbase: "ghost" }),
        })
      ).status,
    ).toBe(404);
    // A whole-namespace retry makes a new iteration with that reason.
    const it = await server.api<{ id: number; reason: string }>("/api/v1/namespaces/cancelme/iterations", {
      method: "POST",
    });
    expect(it.status).toBe(201);
    expect(it.body.reason).toBe("retry");
    await server.api("/api/v1/namespaces/cancelme", { method: "PATCH", body: JSON.stringify({ status: "cancelled" }) });
  });

  test("a worker killed mid-build: the lease expires, another worker builds it, each package lands once", async () => {
    expect(
      (await server.api("/api/v1/namespaces/solo", { method: "PATCH", body: JSON.stringify({ status: "active" }) }))
        .status,
    ).toBe(200);
    const slowToken = await server.workerToken("slow");
    const slow = startWorker({
      server: server.url,
      token: slowToken,
      workDir: join(tmp, "work-slow"),
      args: ["--fake-delay-ms", "60000"],
    });
    workers.push(slow);
    const victim = await waitFor("the slow worker to take a build", async () => {
      const d = await show(server, "solo");
      const n = nodesOf(d)[0];
      return n && (n.status === "building" || n.status === "scheduled") ? n : undefined;
    });
    slow.kill("SIGKILL");
    await slow.exited;
    const fastToken = await server.workerToken("fast");
    workers.push(startWorker({ server: server.url, token: fastToken, workDir: join(tmp, "work-fast") }));
    const built = await waitFor(
      "the build to finish on another worker",
      async () => {
        const n = nodesOf(await show(server, "solo"))[0];
        return n?.status === "built" ? n : undefined;
      },
      30_000,
    );
    expect(built.id).toBe(victim.id);
    expect(built.attempts).toBeGreaterThanOrEqual(2);
    expect(repoFiles("solo")).toEqual(["solo-1.0.0-1-x86_64.pkg.tar.zst"]);
    const expiry = server.logs
      .map((l) => JSON.parse(l) as { msg: string; pkgbase?: string; worker?: string })
      .find((l) => l.msg === "lease expired" && l.pkgbase === "solo" && l.worker === "slow");
    expect(expiry).toBeDefined();
  });
});

describe("serve's start", () => {
  test("a port another process holds is one sentence naming the setting, not an internal error", async () => {
    const holder = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("someone else") });
    const dir = makeTempDir("buildbtw-port-");
    try {
      makeRepo(join(dir, "repos"), "zlib", srcinfo({ pkgbase: "zlib" }));
      const r = await runCli(["serve"], {
        env: {
          PORT: String(holder.port),
          INTERFACE: "127.0.0.1",
          DATA_DIR: join(dir, "data"),
          REPOS_DIR: join(dir, "repos"),
          BUILDBTW_ADMIN_TOKEN: "port-test-admin-token-0123456789",
        },
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        `cannot listen on 127.0.0.1:${holder.port}: the port is in use (another serve?); stop it or change PORT (--port)`,
      );
      expect(r.stderr).not.toContain("internal error");
      // The holder was left alone.
      expect(await (await fetch(`http://127.0.0.1:${holder.port}/`)).text()).toBe("someone else");
    } finally {
      await holder.stop(true);
      removeDir(dir);
    }
  });
});
