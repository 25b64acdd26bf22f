// The repository holds only what may be released, and rebuilds carry the server's bump: a real `serve`,
// the worker protocol spoken over real HTTP with real (synthetic) packages, bsdtar reading the databases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lease, ReleaseCheck } from "../src/api/schemas";
import { buildPackage } from "../src/pacman/fake-package";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  kind: string;
  version: string;
  built_version: string;
  version_text: string;
}
interface Detail {
  namespace: { name: string; bump: string };
  iteration: {
    id: number;
    architectures: Record<string, { nodes: Node[]; duplicate_pkgnames: { pkgname: string; pkgbases: string[] }[] }>;
  } | null;
}

let tmp: string;
let server: ServerProcess;
let workerToken: string;

beforeAll(async () => {
  tmp = makeTempDir("repo-staging-");
  const repos = join(tmp, "repos");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "libcore", pkgver: "2.0" });
  add({ pkgbase: "tool", depends: ["libcore"], pkgrel: "2.1" });
  add({ pkgbase: "libdup" });
  add({ pkgbase: "dupe-a", depends: ["libdup"], packages: ["shared"] });
  add({ pkgbase: "dupe-b", depends: ["libdup"], packages: ["shared"] });
  add({ pkgbase: "libplain" });
  add({ pkgbase: "plainuser", depends: ["libplain"] });
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  workerToken = await server.workerToken("manual");
});

afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

const show = async (name: string) => (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body;
const nodes = async (name: string) => (await show(name)).iteration?.architectures.x86_64?.nodes ?? [];
const node = async (name: string, pkgbase: string) => (await nodes(name)).find((n) => n.pkgbase === pkgbase)!;

async function create(origin: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await server.api<{ name: string }>("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: [origin], ...extra }),
  });
  expect(res.status).toBe(201);
  const name = res.body.name;
  await waitFor(`${name}'s first iteration`, async () => (await show(name)).iteration);
  return name;
}

const worker = <T>(path: string, init: RequestInit = {}) =>
  server.api<T>(path, { method: "POST", ...init, token: workerToken });

/** The next lease (the server picks which ready build). */
async function lease(): Promise<Lease> {
  const res = await worker<Lease>("/api/v1/leases", {
    body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 20_000 }),
  });
  expect(res.status).toBe(200);
  return res.body;
}

/** Upload every package the lease expects, made as the lease says (its version is the bumped one). */
async function uploadAll(l: Lease): Promise<{ status: number; body: unknown }[]> {
  const answers = [];
  for (const p of l.packages) {
    const bytes = buildPackage({
      pkgname: p.pkgname,
      pkgbase: l.pkgbase,
      version: l.version,
      arch: p.arch,
      depends: p.depends,
    });
    answers.push(
      await server.api(`/api/v1/leases/${l.lease_id}/files/${p.file}`, {
        method: "PUT",
        body: bytes,
        token: workerToken,
      }),
    );
  }
  return answers;
}

const report = (l: Lease, status: "built" | "failed") =>
  worker<{ status: string }>(`/api/v1/leases/${l.lease_id}/result`, {
    body: JSON.stringify(status === "built" ? { status } : { status, reason: "it broke" }),
  });

const repoUrl = (name: string) => `${server.url}/repo/${name}/latest/os/x86_64`;

/** The package file names a repository database lists, read by bsdtar (so the database is a valid archive). */
function listed(db: Uint8Array): string[] {
  const file = join(tmp, `db-${crypto.randomUUID()}`);
  writeFileSync(file, db);
  const out = Bun.spawnSync(["bsdtar", "-tf", file], { stdout: "pipe", stderr: "pipe" });
  if (out.exitCode !== 0) throw new Error(`bsdtar cannot read the database: ${out.stderr}`);
  return out.stdout
    .toString()
    .split("\n")
    .filter((l) => l.endsWith("/desc"))
    .map((l) => l.slice(0, -"/desc".length))
    .sort();
}

async function database(name: string): Promise<string[]> {
  const res = await fetch(`${repoUrl(name)}/buildbtw-${name}.db`);
  expect(res.status).toBe(200);
  return listed(new Uint8Array(await res.arrayBuffer()));
}

describe("rebuild bumps", () => {
  test("the origin is built as committed, a rebuild with pkgrel + 1 (2.1 → 3); the lease, API and CLI say so", async () => {
    const name = await create("libcore/main");
    expect((await show(name)).namespace.bump).toBe("rebuild");
    expect(await node(name, "libcore")).toMatchObject({
      kind: "origin",
      version: "2.0-1",
      built_version: "2.0-1",
      version_text: "2.0-1",
    });
    expect(await node(name, "tool")).toMatchObject({
      kind: "rebuild",
      version: "1.0.0-2.1",
      built_version: "1.0.0-3",
      version_text: "1.0.0-2.1 → 1.0.0-3 (rebuild)",
    });
    const core = await lease();
    expect(core).toMatchObject({
      pkgbase: "libcore",
      bump: null,
      expected_files: ["libcore-2.0-1-x86_64.pkg.tar.zst"],
    });
    expect(core.optional_files).toEqual(["libcore-debug-2.0-1-x86_64.pkg.tar.zst"]);
    for (const a of await uploadAll(core)) expect(a.status).toBe(201);
    expect((await report(core, "built")).status).toBe(200);

    const tool = await lease();
    expect(tool).toMatchObject({
      pkgbase: "tool",
      version: { epoch: null, pkgver: "1.0.0", pkgrel: "3" },
      bump: { from: "2.1", to: "3" },
      expected_files: ["tool-1.0.0-3-x86_64.pkg.tar.zst"],
    });
    // A package of the committed version is not this build's.
    const unbumped = buildPackage({ pkgname: "tool", pkgbase: "tool", version: "1.0.0-2.1", arch: "x86_64" });
    const refused = await server.api<{ error: string }>(
      `/api/v1/leases/${tool.lease_id}/files/tool-1.0.0-2.1-x86_64.pkg.tar.zst`,
      { method: "PUT", body: unbumped, token: workerToken },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain("is not a package this build produces");
    // The -debug package is accepted, listed and served like the others.
    const debug = buildPackage({ pkgname: "tool-debug", pkgbase: "tool", version: "1.0.0-3", arch: "x86_64" });
    const debugUpload = await server.api(
      `/api/v1/leases/${tool.lease_id}/files/tool-debug-1.0.0-3-x86_64.pkg.tar.zst`,
      {
        method: "PUT",
        body: debug,
        token: workerToken,
      },
    );
    expect(debugUpload.status).toBe(201);
    for (const a of await uploadAll(tool)) expect(a.status).toBe(201);
    expect((await report(tool, "built")).status).toBe(200);
    expect(await database(name)).toEqual(["libcore-2.0-1", "tool-1.0.0-3", "tool-debug-1.0.0-3"]);
    expect((await fetch(`${repoUrl(name)}/tool-debug-1.0.0-3-x86_64.pkg.tar.zst`)).status).toBe(200);

    const shown = await server.cli(["show", name]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/tool\s+1\.0\.0-2\.1 → 1\.0\.0-3 \(rebuild\)/);
    expect(shown.stdout).toMatch(/libcore\s+2\.0-1\n/);
  });

  test("release-check: every pkgbase with main and built versions, files with sha256; download --dest fetches them checked and resumably", async () => {
    const check = await server.cliJson<ReleaseCheck>(["release-check", "libcore"]);
    expect(check).toMatchObject({ namespace: "libcore", current: true, releasable: true });
    const x86 = check.architectures.x86_64!;
    expect(x86.reasons).toEqual([]);
    expect(x86.pkgbases.map((p) => [p.pkgbase, p.kind, p.main_version, p.built_version, p.bump])).toEqual([
      ["libcore", "origin", "2.0-1", "2.0-1", null],
      ["tool", "rebuild", "1.0.0-2.1", "1.0.0-3", { from: "2.1", to: "3" }],
    ]);
    expect(x86.pkgbases[1]!.files.map((f) => f.file)).toEqual([
      "tool-1.0.0-3-x86_64.pkg.tar.zst",
      "tool-debug-1.0.0-3-x86_64.pkg.tar.zst",
    ]);
    const human = await server.cli(["release-check", "libcore"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("libcore, iteration");
    expect(human.stdout).toMatch(/tool +1\.0\.0-2\.1 → 1\.0\.0-3 \(rebuild, built, 2 file\(s\)/);

    const dest = join(tmp, "dest");
    mkdirSync(dest);
    const first = await server.cli(["download", "libcore", "--dest", dest]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("3 downloaded, 0 already present, 0 failed");
    expect(first.stderr).toContain("[3/3] downloaded");
    for (const p of x86.pkgbases)
      for (const f of p.files) {
        const bytes = readFileSync(join(dest, f.file));
        expect(bytes.byteLength).toBe(f.size);
        expect(new Bun.CryptoHasher("sha256").update(bytes).digest("hex")).toBe(f.sha256);
      }
    const again = await server.cli(["download", "libcore", "--dest", dest]);
    expect(again.stdout).toContain("0 downloaded, 3 already present, 0 failed");

    // A file whose bytes are not the server's record is refused and not left behind.
    const served = join(
      server.dataDir,
      "repos",
      "libcore",
      String(check.iteration),
      "x86_64",
      "tool-1.0.0-3-x86_64.pkg.tar.zst",
    );
    const original = readFileSync(served);
    writeFileSync(
      served,
      Buffer.concat([original.subarray(0, original.length - 1), Buffer.from([original.at(-1)! ^ 1])]),
    );
    const other = join(tmp, "dest2");
    mkdirSync(other);
    const bad = await server.cli(["download", "libcore", "--dest", other]);
    writeFileSync(served, original);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      "could not get tool-1.0.0-3-x86_64.pkg.tar.zst: it does not match the server's record",
    );
    expect(readdirSync(other).sort()).toEqual([
      "libcore-2.0-1-x86_64.pkg.tar.zst",
      "tool-debug-1.0.0-3-x86_64.pkg.tar.zst",
    ]);
    const neither = await server.cli(["download", "libcore"]);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain("--dest DIR");
  });

  test("--bump none builds rebuilds as committed; a bad --bump value is refused with a sentence", async () => {
    const created = await server.cliJson<{ name: string; bump: string }>(["new", "libplain/main", "--bump", "none"]);
    expect(created.bump).toBe("none");
    await waitFor("libplain's first iteration", async () => (await show("libplain")).iteration);
    expect(await node("libplain", "plainuser")).toMatchObject({
      kind: "rebuild",
      version: "1.0.0-1",
      built_version: "1.0.0-1",
      version_text: "1.0.0-1",
    });
    const core = await lease();
    await uploadAll(core);
    await report(core, "built");
    const user = await lease();
    expect(user).toMatchObject({
      pkgbase: "plainuser",
      bump: null,
      expected_files: ["plainuser-1.0.0-1-x86_64.pkg.tar.zst"],
    });
    await uploadAll(user);
    await report(user, "built");

    const bad = await server.cli(["new", "libplain/main", "--name", "other", "--bump", "sometimes"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('buildbtw: --bump must be one of rebuild, none, not "sometimes"');
    const api = await server.api<{ error: string }>("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["libplain/main"], name: "other", bump: "sometimes" }),
    });
    expect(api.status).toBe(400);
    expect(api.body.error).toContain("bump");
  });
});

describe("only what may be released is in the repository", () => {
  test("a build that uploads, then fails, leaves nothing listed or served; after a retry that builds, its files are there", async () => {
    const name = await create("libdup/main");
    expect(await database(name)).toEqual([]);
    const first = await lease();
    expect(first.pkgbase).toBe("libdup");
    const [up] = await uploadAll(first);
    expect(up!.status).toBe(201);
    // Staged: neither listed nor served while the build runs.
    expect(await database(name)).toEqual([]);
    expect((await fetch(`${repoUrl(name)}/libdup-1.0.0-1-x86_64.pkg.tar.zst`)).status).toBe(404);
    expect((await fetch(`${repoUrl(name)}/`)).ok).toBe(true);
    expect(await (await fetch(`${repoUrl(name)}/`)).text()).not.toContain("libdup-1.0.0-1");

    expect((await report(first, "failed")).status).toBe(200);
    expect(await database(name)).toEqual([]);
    expect((await fetch(`${repoUrl(name)}/libdup-1.0.0-1-x86_64.pkg.tar.zst`)).status).toBe(404);
    expect(existsSync(join(server.dataDir, "staging", String(first.build_id)))).toBe(false);
    // A package file in the directory that the database does not list (left by a crash between moving a
    // build's files and recording its result) is neither served nor listed.
    const leftover = join(
      server.dataDir,
      "repos",
      name,
      String(first.iteration),
      "x86_64",
      "libdup-1.0.0-1-x86_64.pkg.tar.zst",
    );
    writeFileSync(leftover, buildPackage({ pkgname: "libdup", pkgbase: "libdup", version: "1.0.0-1", arch: "x86_64" }));
    expect((await fetch(`${repoUrl(name)}/libdup-1.0.0-1-x86_64.pkg.tar.zst`)).status).toBe(404);
    expect(await (await fetch(`${repoUrl(name)}/`)).text()).not.toContain("libdup-1.0.0-1");
    const page = await fetch(`${server.url}/builds/${first.build_id}`);
    expect(await page.text()).not.toContain("/libdup-1.0.0-1-x86_64.pkg.tar.zst");

    const retried = await server.api("/api/v1/namespaces/libdup/retry-node", {
      method: "POST",
      body: JSON.stringify({ pkgbase: "libdup" }),
    });
    expect(retried.status).toBe(200);
    const again = await lease();
    expect(again.pkgbase).toBe("libdup");
    await uploadAll(again);
    await report(again, "built");
    expect(await database(name)).toEqual(["libdup-1.0.0-1"]);
    expect((await fetch(`${repoUrl(name)}/libdup-1.0.0-1-x86_64.pkg.tar.zst`)).status).toBe(200);
  });

  test("two pkgbases building one pkgname: the plan names both, and no upload replaces the other's file", async () => {
    const detail = await show("libdup");
    expect(detail.iteration!.architectures.x86_64!.duplicate_pkgnames).toEqual([
      { pkgname: "shared", pkgbases: ["dupe-a", "dupe-b"] },
    ]);
    const shown = await server.cli(["show", "libdup"]);
    expect(shown.stdout).toContain("shared is built by dupe-a and dupe-b");
    // `plan`, before any namespace exists, says the same.
    const planned = await server.cli(["plan", "libdup/main", "--server"]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(
      "problem: shared is built by dupe-a and dupe-b: only the first upload is kept, the other build fails",
    );
    const page = await (await fetch(`${server.url}/namespaces/libdup`)).text();
    expect(page).toContain("Pkgnames built twice (1)");
    // While builds run, the page's release check only says so (it runs once they have finished).
    expect(page).toContain("2 of 3 builds have not finished yet; the release check runs once they have");

    const one = await lease();
    const two = await lease();
    expect([one.pkgbase, two.pkgbase].sort()).toEqual(["dupe-a", "dupe-b"]);
    expect(one.expected_files).toEqual(two.expected_files);
    const [firstUpload] = await uploadAll(one);
    expect(firstUpload!.status).toBe(201);
    const [second] = await uploadAll(two);
    expect(second!.status).toBe(400);
    expect((second!.body as { error: string }).error).toBe(
      `shared-1.0.0-2-x86_64.pkg.tar.zst was already uploaded by ${one.pkgbase}; two pkgbases of this namespace build the same pkgname and neither replaces the other's file`,
    );
    // The second cannot report built without its file; the first can, and its file is the one served.
    expect((await report(two, "built")).status).toBe(400);
    await report(two, "failed");
    await report(one, "built");
    const served = await fetch(`${repoUrl("libdup")}/shared-1.0.0-2-x86_64.pkg.tar.zst`);
    const { inspectPackage } = await import("../src/pacman");
    expect(inspectPackage(new Uint8Array(await served.arrayBuffer())).pkginfo.pkgbase).toBe(one.pkgbase);
  });

  test("`latest` answers with a valid database at every moment of a retry, also after the new iteration's first build failed", async () => {
    const name = "libcore";
    const before = (await show(name)).iteration!.id;
    const bodies = new Set<string>();
    const statuses = new Set<number>();
    let polls = 0;
    let done = false;
    const polling = (async () => {
      while (!done) {
        const res = await fetch(`${repoUrl(name)}/buildbtw-${name}.db`);
        statuses.add(res.status);
        bodies.add(Buffer.from(await res.arrayBuffer()).toString("base64"));
        polls++;
      }
    })();
    // Polled while the retry makes a new iteration and that iteration's first build fails.
    // Every node again (unchanged built nodes would otherwise be reused, not built).
    const retry = await server.api<{ id: number }>(`/api/v1/namespaces/${name}/iterations`, {
      method: "POST",
      body: JSON.stringify({ rebuild_all: true }),
    });
    expect(retry.status).toBe(201);
    const first = await lease();
    expect(first.iteration).not.toBe(before);
    await uploadAll(first);
    await report(first, "failed");
    await waitFor("a few polls after the failure", () => polls > 20, 30_000, 10);
    done = true;
    await polling;
    expect([...statuses]).toEqual([200]);
    const lists = [...bodies].map((b) => listed(new Uint8Array(Buffer.from(b, "base64"))));
    // The old iteration's database, then the new (empty: its only finished build failed) one.
    for (const l of lists) expect([[], ["libcore-2.0-1", "tool-1.0.0-3", "tool-debug-1.0.0-3"]]).toContainEqual(l);
    expect(await database(name)).toEqual([]);
    // The new iteration is not releasable, and says why; the superseded one is not either.
    const check = await server.cli(["release-check", name]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("not releasable");
    expect(check.stdout).toContain("2 of 2 builds are not built: libcore (failed: it broke), tool (blocked)");
    const oldCheck = await server.api<ReleaseCheck>(`/api/v1/namespaces/${name}/release?iteration=${before}`);
    expect(oldCheck.body.current).toBe(false);
    expect(oldCheck.body.architectures.x86_64!.reasons[0]).toBe(
      `iteration ${before} is superseded by iteration ${first.iteration}: only the latest can be released`,
    );
    // Only the databases: the failed build's package never reached the repository directory.
    expect(
      readdirSync(join(server.dataDir, "repos", name, String(first.iteration), "x86_64")).filter((f) =>
        f.endsWith(".pkg.tar.zst"),
      ),
    ).toEqual([]);
  });

  test("at start, the server removes staged uploads of builds that can no longer report", async () => {
    const orphan = join(server.dataDir, "staging", "999999");
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, "gone-1-1-x86_64.pkg.tar.zst"), "x");
    await server.stop();
    server = await startServer({
      dataDir: join(tmp, "data"),
      reposDir: join(tmp, "repos"),
      env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
    });
    expect(existsSync(orphan)).toBe(false);
    // The repositories are as they were: latest still answers with its (valid) database.
    expect(await database("libdup")).toContain("libdup-1.0.0-1");
  });
});
