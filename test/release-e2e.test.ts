// From built to released, with real makepkg, real pacman and real git: a base repository made from main
// (makepkg + repo-add) installed into a pacman root; a namespace for a library's soname bump whose dependents
// are built with pkgrel + 1; the release check naming what a failed dependent still needs, then clean after
// the retry; pacman -Syu upgrading to the namespace's packages; `download --into` preparing real clones.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { ReleaseCheck } from "../src/api/schemas";
import { clone, commit, git, makeRepo, makeTempDir, removeDir, revParse, switchToNewBranch } from "./support/git";
import { createPacmanRoot, type PacmanRoot, pacmanConf, type ServedDirectory, serveDirectory } from "./support/pacman";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { recipeFiles } from "./support/recipes";

const BUILD_USER = process.env.BUILDBTW_BUILD_USER ?? "buildbtw-build";

interface Node {
  id: number;
  pkgbase: string;
  status: string;
  built_version: string;
  version_text: string;
}
interface Detail {
  iteration: { id: number; architectures: Record<string, { nodes: Node[] }> } | null;
}

let tmp: string;
let repos: string;
let server: ServerProcess;
let worker: Subprocess;
let failMarker: string;
let base: ServedDirectory;
let pacman: PacmanRoot;

/** A package of the release test: one package, built by `build` (default: nothing to do). */
const packageFiles = (p: {
  pkgbase: string;
  pkgver: string;
  depends?: string[];
  provides?: string[];
  build?: string;
}) => recipeFiles({ ...p, build: [p.build ?? "true"] });

/** `makepkg --printsrcinfo` as the build user (makepkg refuses root), in `dir`. */
function printSrcinfo(dir: string): string {
  const r = Bun.spawnSync(["runuser", "-u", BUILD_USER, "--", "makepkg", "--printsrcinfo"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`makepkg --printsrcinfo failed: ${r.stderr}`);
  return r.stdout.toString();
}

/** Build main's packages with makepkg as the build user and make the base repository with repo-add. */
function makeBaseRepository(dir: string): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  for (const pkgbase of ["libcore", "tool-a", "tool-b"]) {
    const work = join(tmp, `base-build-${pkgbase}`);
    clone(join(repos, pkgbase), work);
    Bun.spawnSync(["chown", "-R", BUILD_USER, work]);
    const r = Bun.spawnSync(["runuser", "-u", BUILD_USER, "--", "makepkg", "--nodeps", "--noconfirm", "--nocolor"], {
      cwd: work,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PKGDEST: dir, PKGEXT: ".pkg.tar.zst", HOME: work },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) throw new Error(`makepkg of ${pkgbase} failed: ${r.stderr}`);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith(".pkg.tar.zst"));
  const added = Bun.spawnSync(
    ["repo-add", "--quiet", join(dir, "base.db.tar.zst"), ...files.map((f) => join(dir, f))],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (added.exitCode !== 0) throw new Error(`repo-add failed: ${added.stderr}`);
}

const show = async () => (await server.api<Detail>("/api/v1/namespaces/libcore")).body;
const nodes = async () => (await show()).iteration?.architectures.x86_64?.nodes ?? [];
const settled = (what: string) =>
  waitFor(
    what,
    async () => {
      const n = await nodes();
      return n.length > 0 && n.every((x) => ["built", "failed", "blocked"].includes(x.status)) ? n : undefined;
    },
    240_000,
    250,
  );

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-release-");
  chmodSync(tmp, 0o755);
  repos = join(tmp, "repos");
  failMarker = join(tmp, "markers", "fail");
  mkdirSync(join(tmp, "markers"), { mode: 0o777 });
  chmodSync(join(tmp, "markers"), 0o777);
  writeFileSync(failMarker, "");

  const lib1 = { pkgbase: "libcore", pkgver: "1.0", provides: ["libcore.so=1-64"] };
  makeRepo(repos, "libcore", null, { files: packageFiles(lib1) });
  makeRepo(repos, "tool-a", null, {
    files: packageFiles({ pkgbase: "tool-a", pkgver: "1.0", depends: ["libcore", "libcore.so"] }),
  });
  // tool-b's build fails while the marker exists: fixing it is removing the marker.
  makeRepo(repos, "tool-b", null, {
    files: packageFiles({
      pkgbase: "tool-b",
      pkgver: "1.0",
      depends: ["libcore.so"],
      build: `if [ -e ${failMarker} ]; then echo "tool-b: does not build against libcore 2" >&2; false; fi`,
    }),
  });
  // Main's packages are built before the library's new version exists on a branch.
  rmSync(failMarker);
  makeBaseRepository(join(tmp, "base"));
  writeFileSync(failMarker, "");
  const libRepo = join(repos, "libcore");
  switchToNewBranch(libRepo, "soname-2");
  commit(libRepo, packageFiles({ pkgbase: "libcore", pkgver: "2.0", provides: ["libcore.so=2-64"] }), "libcore 2.0");
  git(libRepo, "checkout", "--quiet", "main");

  base = serveDirectory(join(tmp, "base"));
  pacman = createPacmanRoot({ repos: [{ name: "base", server: base.url }] });
  await pacman.ok("-Sy");
  await pacman.ok("-S", "libcore", "tool-a", "tool-b");

  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  worker = startWorker({
    server: server.url,
    token: await server.workerToken("makepkg-worker"),
    workDir: join(tmp, "work"),
    args: ["--driver", "makepkg", "--concurrency", "2"],
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  await base?.stop();
  pacman?.remove();
  removeDir(tmp);
});

describe("a soname bump from namespace to release", () => {
  test("the base repository from main is installed", async () => {
    expect(await pacman.installed()).toEqual({ libcore: "1.0-1", "tool-a": "1.0-1", "tool-b": "1.0-1" });
  });

  test("a failed dependent: the release check names what it still needs; after the fix and a retry it is releasable", async () => {
    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["libcore/soname-2"] }),
    });
    expect(created.status).toBe(201);
    const first = await settled("the namespace to settle with tool-b failed");
    expect(first.map((n) => `${n.pkgbase}:${n.status}:${n.version_text}`).sort()).toEqual([
      "libcore:built:2.0-1",
      "tool-a:built:1.0-1 → 1.0-2 (rebuild)",
      "tool-b:failed:1.0-1 → 1.0-2 (rebuild)",
    ]);

    const failing = await server.cli(["release-check", "libcore", "--json"]);
    expect(failing.code).toBe(1);
    const check = JSON.parse(failing.stdout) as ReleaseCheck;
    expect(check.releasable).toBe(false);
    const x86 = check.architectures.x86_64!;
    expect(x86.pkgbases.find((p) => p.pkgbase === "libcore")!.sonames).toEqual({
      before: ["libcore.so=1-64"],
      after: ["libcore.so=2-64"],
    });
    expect(x86.unmet.map((u) => u.sentence)).toEqual([
      "tool-b 1.0-1 (main, not rebuilt: build failed) needs libcore.so=1-64; after release only libcore.so=2-64 is provided",
    ]);
    expect(x86.reasons).toContain(x86.unmet[0]!.sentence);
    const page = await (await fetch(`${server.url}/namespaces/libcore`)).text();
    expect(page).toContain("Not releasable");
    expect(page).toContain("needs libcore.so=1-64; after release only libcore.so=2-64 is provided");

    rmSync(failMarker);
    const retried = await server.cli(["retry", "libcore", "tool-b"]);
    expect(retried.code, retried.stderr).toBe(0);
    const done = await waitFor(
      "tool-b to be built",
      async () => ((await nodes()).every((n) => n.status === "built") ? nodes() : undefined),
      240_000,
      250,
    );
    expect(done.map((n) => `${n.pkgbase}:${n.built_version}`).sort()).toEqual([
      "libcore:2.0-1",
      "tool-a:1.0-2",
      "tool-b:1.0-2",
    ]);
    const clean = await server.cli(["release-check", "libcore"]);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toContain("releasable");
    expect(clean.stdout).toContain("sonames: libcore.so=1-64 → libcore.so=2-64");
    const cleanPage = await (await fetch(`${server.url}/namespaces/libcore`)).text();
    expect(cleanPage).toContain("Releasable");
  });

  test("pacman -Syu with the namespace's repository listed first upgrades every installed package to its version", async () => {
    writeFileSync(
      pacman.config,
      pacmanConf(pacman.root, [
        { name: "buildbtw-libcore", server: `${server.url}/repo/libcore/latest/os/x86_64` },
        { name: "base", server: base.url },
      ]),
    );
    await pacman.ok("-Syu");
    expect(await pacman.installed()).toEqual({ libcore: "2.0-1", "tool-a": "1.0-2", "tool-b": "1.0-2" });
    expect(readFileSync(pacman.path("usr/share/buildbtw-demo/tool-a"), "utf8")).toBe("tool-a 1.0-2\n");
  });

  test("download --into prepares clean clones at the built commit, leaves dirty and other ones alone; a second run downloads nothing", async () => {
    const into = join(tmp, "checkouts");
    mkdirSync(into);
    chmodSync(into, 0o777);
    for (const pkgbase of ["libcore", "tool-a", "tool-b"]) clone(join(repos, pkgbase), join(into, pkgbase));
    // libcore's clone is at main, not at the built commit on soname-2; tool-a's has a local change.
    writeFileSync(
      join(into, "tool-a", "PKGBUILD"),
      `${readFileSync(join(into, "tool-a", "PKGBUILD"), "utf8")}# mine\n`,
    );

    const first = await server.cli(["download", "libcore", "--into", into]);
    expect(first.code).toBe(1);
    const libcoreCommit = revParse(join(repos, "libcore"), "soname-2");
    expect(first.stdout).toContain(
      `libcore: ${into}/libcore is at ${revParse(join(repos, "libcore"), "main").slice(0, 12)}, not at the built commit ${libcoreCommit.slice(0, 12)}`,
    );
    expect(first.stdout).toContain(`tool-a: ${into}/tool-a has local changes (PKGBUILD)`);
    expect(first.stdout).toContain("1 checkout(s) ready");
    // Left alone: no package files, the PKGBUILDs as they were.
    expect(readdirSync(join(into, "libcore")).filter((f) => f.includes(".pkg.tar"))).toEqual([]);
    expect(readFileSync(join(into, "tool-a", "PKGBUILD"), "utf8")).toContain("pkgrel=1\n");

    git(join(into, "tool-a"), "checkout", "--quiet", "--", "PKGBUILD");
    git(join(into, "libcore"), "checkout", "--quiet", "soname-2");
    const second = await server.cli(["download", "libcore", "--into", into]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain("3 checkout(s) ready");
    expect(second.stderr).toContain("present tool-b-1.0-2-x86_64.pkg.tar.zst");
    expect(second.stdout).toContain(
      `for pkg in libcore tool-a tool-b; do (cd ${JSON.stringify(into)}/"$pkg" && pkgctl release --db-update) || break; done`,
    );

    for (const pkgbase of ["libcore", "tool-a", "tool-b"]) {
      const dir = join(into, pkgbase);
      Bun.spawnSync(["chown", "-R", BUILD_USER, dir]);
      const pkgbuildText = readFileSync(join(dir, "PKGBUILD"), "utf8");
      expect(pkgbuildText).toContain(pkgbase === "libcore" ? "\npkgrel=1\n" : "\npkgrel=2\n");
      // The .SRCINFO is what makepkg prints for the bumped PKGBUILD.
      expect(readFileSync(join(dir, ".SRCINFO"), "utf8")).toBe(printSrcinfo(dir));
      const list = Bun.spawnSync(["runuser", "-u", BUILD_USER, "--", "makepkg", "--packagelist"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PKGEXT: ".pkg.tar.zst", HOME: dir },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(list.exitCode, list.stderr.toString()).toBe(0);
      const listed = list.stdout
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((p) => p.split("/").at(-1));
      expect(listed).toEqual(readdirSync(dir).filter((f) => f.endsWith(".pkg.tar.zst")));
      expect(listed.length).toBe(1);
      // Back to the packager (root here): git refuses checkouts someone else owns.
      Bun.spawnSync(["chown", "-R", "root", dir]);
    }

    const third = await server.cli(["download", "libcore", "--into", into]);
    expect(third.code).toBe(0);
    expect(third.stderr).not.toContain("downloaded");
    expect(third.stderr.match(/present /g)?.length).toBe(3);
    expect(readFileSync(join(into, "tool-b", "PKGBUILD"), "utf8").match(/^pkgrel=/gm)).toEqual(["pkgrel="]);
    expect(readFileSync(join(into, "tool-b", "PKGBUILD"), "utf8")).toContain("\npkgrel=2\n");

    // A file whose bytes are not the server's record is refused and not left in the checkout.
    const detail = await show();
    const served = join(
      server.dataDir,
      "repos",
      "libcore",
      String(detail.iteration!.id),
      "x86_64",
      "tool-a-1.0-2-x86_64.pkg.tar.zst",
    );
    const original = readFileSync(served);
    writeFileSync(served, Buffer.concat([original, Buffer.from("tampered")]));
    rmSync(join(into, "tool-a", "tool-a-1.0-2-x86_64.pkg.tar.zst"));
    const tampered = await server.cli(["download", "libcore", "--into", into]);
    writeFileSync(served, original);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(
      "could not get tool-a-1.0-2-x86_64.pkg.tar.zst: it does not match the server's record",
    );
    expect(existsSync(join(into, "tool-a", "tool-a-1.0-2-x86_64.pkg.tar.zst"))).toBe(false);
    expect(readdirSync(join(into, "tool-a")).filter((f) => f.includes("buildbtw-part"))).toEqual([]);
  });
});
