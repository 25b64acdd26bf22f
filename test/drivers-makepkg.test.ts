// The makepkg driver with real makepkg, real git and the real build user: small PKGBUILDs from real
// repositories, built, read back with the pacman adapter; failures, aborts and ownership.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Lease } from "../src/api/schemas";
import { lookupUser } from "../src/drivers/build-host";
import type { BuildContext, BuildOutcome } from "../src/drivers/driver";
import { createMakepkgDriver, hostIsPacmanManaged } from "../src/drivers/makepkg";
import { inspectPackage } from "../src/pacman";
import {
  driverFiles,
  isRunning,
  leaseFor,
  reachableTempDir,
  readPid,
  rebuildLeaseFor,
  recipeRepo,
  sharedTempDir,
} from "./drivers-fixtures";
import { commit, makeTempDir, removeDir } from "./support/git";
import { waitFor } from "./support/processes";
import type { Recipe } from "./support/recipes";

const BUILD_USER = "buildbtw-build";
let tmp: string;
let shared: string;
let builds = 0;

// The worker runs as root on build hosts and drops to the build user; these tests do the same.
beforeAll(() => {
  if (process.getuid?.() !== 0)
    throw new Error("the driver tests run as root, as a worker does (makepkg then runs as the build user)");
  if (lookupUser(BUILD_USER) === null)
    throw new Error(`these tests build as ${BUILD_USER}: run ./scripts/setup.sh once to create it`);
  tmp = reachableTempDir("drivers-makepkg-");
  shared = sharedTempDir("drivers-makepkg-pids-");
});
afterAll(() => {
  removeDir(tmp);
  removeDir(shared);
});

const driver = createMakepkgDriver({ buildUser: BUILD_USER, graceMs: 500 });

/** A repository for `r` under tmp, and its commit. */
function repoFor(r: Recipe): { path: string; commit: string } {
  return recipeRepo(join(tmp, "repos"), r);
}

interface Built {
  outcome: BuildOutcome;
  log: string;
  workDir: string;
}

async function build(lease: Lease, signal = new AbortController().signal, d = driver): Promise<Built> {
  const workDir = join(tmp, `build-${++builds}`);
  mkdirSync(workDir, { mode: 0o700 });
  let log = "";
  const ctx: BuildContext = {
    workDir,
    log: (c) => {
      log += c;
    },
    signal,
  };
  const outcome = await d.build(lease, ctx);
  return { outcome, log, workDir };
}

const filesOf = (outcome: BuildOutcome): string[] => (outcome.status === "built" ? outcome.files : []);
const inspect = (path: string) => inspectPackage(new Uint8Array(readFileSync(path)));

describe("makepkg driver", () => {
  test("builds a package with the lease's metadata, as the build user, with --nodeps on this host", async () => {
    const r: Recipe = { pkgbase: "hello", pkgver: "2.1", pkgrel: "3", epoch: "1", depends: ["glibc"] };
    const { path, commit } = repoFor(r);
    const lease = leaseFor(r, path, commit);
    const { outcome, log, workDir } = await build(lease);

    expect(outcome).toEqual({ status: "built", files: [join(workDir, "pkgdest", "hello-1:2.1-3-x86_64.pkg.tar.zst")] });
    const pkg = inspect(filesOf(outcome)[0] as string);
    expect(pkg.pkginfo).toMatchObject({
      pkgname: "hello",
      pkgbase: "hello",
      version: "1:2.1-3",
      arch: "x86_64",
      depends: ["glibc"],
    });
    expect(pkg.pkginfo.packager).toStartWith("buildbtw worker on ");
    expect(pkg.files).toContain("usr/share/buildbtw-demo/hello");
    expect(log).toContain(`==> buildbtw: checked out ${commit}`);
    expect(log).toContain("==> Finished making: hello 1:2.1-3");
    expect(log.includes("this host's packages are not managed by pacman; building with --nodeps")).toBe(
      !hostIsPacmanManaged(),
    );
    // makepkg refuses root: the worker dropped to the build user, who owns what it made.
    const user = lookupUser(BUILD_USER);
    expect(log).toContain(`as uid ${user?.uid}`);
    expect(statSync(filesOf(outcome)[0] as string).uid).toBe(user?.uid as number);
  });

  test("a split package produces both files, and an `any` package its -any file", async () => {
    const split: Recipe = { pkgbase: "splitbase", packages: ["split-lib", "split-tools"] };
    const s = repoFor(split);
    const builtSplit = await build(leaseFor(split, s.path, s.commit));
    expect(filesOf(builtSplit.outcome).map((f) => f.split("/").at(-1))).toEqual([
      "split-lib-1.0-1-x86_64.pkg.tar.zst",
      "split-tools-1.0-1-x86_64.pkg.tar.zst",
    ]);
    expect(filesOf(builtSplit.outcome).map((f) => inspect(f).pkginfo.pkgbase)).toEqual(["splitbase", "splitbase"]);
    expect(inspect(filesOf(builtSplit.outcome)[1] as string).files).toContain("usr/share/buildbtw-demo/split-tools");

    const any: Recipe = { pkgbase: "fonts", arch: ["any"] };
    const a = repoFor(any);
    const builtAny = await build(leaseFor(any, a.path, a.commit));
    expect(filesOf(builtAny.outcome).map((f) => f.split("/").at(-1))).toEqual(["fonts-1.0-1-any.pkg.tar.zst"]);
    expect(inspect(filesOf(builtAny.outcome)[0] as string).pkginfo.arch).toBe("any");
  });

  test("a rebuild is built with the lease's pkgrel bump in PKGBUILD and .SRCINFO; a non-standard pkgrel declaration fails the build", async () => {
    const r: Recipe = { pkgbase: "bumped", pkgrel: "2.1" };
    const { path, commit } = repoFor(r);
    const { outcome, log, workDir } = await build(rebuildLeaseFor(r, path, commit, "3"));
    expect(filesOf(outcome).map((f) => f.split("/").at(-1))).toEqual(["bumped-1.0-3-x86_64.pkg.tar.zst"]);
    expect(inspect(filesOf(outcome)[0]!).pkginfo.version).toBe("1.0-3");
    expect(log).toContain("==> buildbtw: rebuild: pkgrel 2.1 → 3 in PKGBUILD and .SRCINFO");
    const source = join(workDir, "source");
    expect(readFileSync(join(source, "PKGBUILD"), "utf8")).toContain("\npkgrel=3\n");
    expect(readFileSync(join(source, ".SRCINFO"), "utf8")).toContain("\tpkgrel = 3\n");

    // devtools accepts only a plain `pkgrel=VALUE` line.
    const quoted: Recipe = { pkgbase: "quotedrel" };
    const q = recipeRepo(join(tmp, "repos"), quoted, {
      PKGBUILD: driverFiles(quoted).PKGBUILD.replace("\npkgrel=1\n", '\npkgrel="1"\n'),
    });
    const refused = await build(rebuildLeaseFor(quoted, q.path, q.commit, "2"));
    expect(refused.outcome.status).toBe("failed");
    expect(refused.outcome.status === "failed" && refused.outcome.reason).toStartWith(
      'non-standard pkgrel declaration: the PKGBUILD has no line `pkgrel=1` (it has `pkgrel="1"`)',
    );
    expect(refused.log).not.toContain("==> Making package");
  });

  test("builds the lease's commit, not the branch tip", async () => {
    const old: Recipe = { pkgbase: "moving", pkgver: "1.0" };
    const { path, commit: first } = repoFor(old);
    const tip = commit(path, driverFiles({ ...old, pkgver: "2.0" }), "upgpkg: 2.0");
    expect(tip).not.toBe(first);

    const { outcome, log } = await build(leaseFor(old, path, first));
    expect(filesOf(outcome).map((f) => inspect(f).pkginfo.version)).toEqual(["1.0-1"]);
    expect(log).toContain(`checked out ${first}`);
  });

  test("a source repository owned by another user (the server's) is cloned all the same", async () => {
    const r: Recipe = { pkgbase: "othersrepo" };
    const { path, commit } = repoFor(r);
    const user = lookupUser(BUILD_USER) as NonNullable<ReturnType<typeof lookupUser>>;
    Bun.spawnSync(["chown", "-R", `${user.uid}:${user.gid}`, path]);
    expect(statSync(join(path, ".git")).uid).toBe(user.uid);
    const { outcome, log } = await build(leaseFor(r, path, commit));
    expect(outcome.status).toBe("built");
    expect(log).not.toContain("dubious ownership");
    const viaUrl = await build(leaseFor(r, `file://${path}`, commit));
    expect(viaUrl.outcome.status).toBe("built");
  });

  test("a commit the repository does not have fails the build with a clear reason", async () => {
    const r: Recipe = { pkgbase: "nocommit" };
    const { path } = repoFor(r);
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const { outcome } = await build(leaseFor(r, path, missing));
    expect(outcome).toEqual({ status: "failed", reason: `commit ${missing} is not in ${path}` });

    const bad = await build(leaseFor(r, path, "--upload-pack=touch /tmp/pwned"));
    expect(bad.outcome).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("refusing the lease's commit"),
    });
    const gone = await build(leaseFor(r, join(tmp, "no-such-repo"), missing));
    expect(gone.outcome).toMatchObject({ status: "failed", reason: expect.stringContaining("could not clone") });
    expect(gone.log).toContain("does not exist");
  });

  test("a failing PKGBUILD fails with makepkg's error in the log", async () => {
    const r: Recipe = {
      pkgbase: "broken",
      build: ['echo "compiling…"; echo "error: undefined reference to frobnicate" >&2; false'],
    };
    const { path, commit } = repoFor(r);
    const { outcome, log } = await build(leaseFor(r, path, commit));
    expect(outcome).toEqual({ status: "failed", reason: "makepkg exited with status 4" });
    expect(log).toContain("error: undefined reference to frobnicate");
    expect(log).toContain("==> ERROR: A failure occurred in build().");
    // stdout and stderr arrive in the order they were written.
    expect(log.indexOf("compiling…")).toBeLessThan(log.indexOf("undefined reference"));
  });

  test("only the predicted files are handed back; a missing one fails, extra ones are listed", async () => {
    const r: Recipe = { pkgbase: "extras", packages: ["extras", "extras-doc"] };
    const { path, commit } = repoFor(r);
    const lease = leaseFor(r, path, commit);
    const onlyFirst = {
      ...lease,
      packages: lease.packages.slice(0, 1),
      expected_files: lease.expected_files.slice(0, 1),
    };
    const fewer = await build(onlyFirst);
    expect(filesOf(fewer.outcome).map((f) => f.split("/").at(-1))).toEqual(["extras-1.0-1-x86_64.pkg.tar.zst"]);
    expect(fewer.log).toContain(
      "==> buildbtw: not uploading extras-doc-1.0-1-x86_64.pkg.tar.zst: it is not one of the predicted package files",
    );

    const wrongVersion = { ...lease, expected_files: ["extras-9.9-1-x86_64.pkg.tar.zst"] };
    const missing = await build(wrongVersion);
    expect(missing.outcome).toEqual({
      status: "failed",
      reason: "makepkg did not produce extras-9.9-1-x86_64.pkg.tar.zst",
    });
  });

  test("debug is on as in devtools' makepkg.conf: a binary with symbols also yields <pkgbase>-debug, handed back; the host's differing makepkg.conf is named in the log", async () => {
    const r: Recipe = {
      pkgbase: "withdebug",
      build: ['printf "int main(){return 0;}" > main.c && cc -g -o prog main.c'],
      packageExtra: ['install -Dm755 "$srcdir/prog" "$pkgdir/usr/bin/withdebug"'],
    };
    const { path, commit } = repoFor(r);
    const { outcome, log } = await build(leaseFor(r, path, commit));
    expect(filesOf(outcome).map((f) => f.split("/").at(-1))).toEqual([
      "withdebug-1.0-1-x86_64.pkg.tar.zst",
      "withdebug-debug-1.0-1-x86_64.pkg.tar.zst",
    ]);
    const debug = inspect(filesOf(outcome)[1]!);
    expect(debug.pkginfo.pkgbase).toBe("withdebug");
    expect(debug.files.some((f) => f.startsWith("usr/lib/debug/"))).toBe(true);
    // Debian's makepkg.conf has !debug (and libtool, staticlibs, !lto): the log says how it differs.
    expect(log).toMatch(/this host's makepkg\.conf differs from devtools': OPTIONS has [^\n]*!debug/);

    // Turned off in the PKGBUILD's options, as makepkg honours: no -debug package.
    const off: Recipe = { ...r, pkgbase: "nodebug", extra: ["options=(!debug)"] };
    const plain = repoFor(off);
    const quiet = await build(leaseFor(off, plain.path, plain.commit));
    expect(filesOf(quiet.outcome).map((f) => f.split("/").at(-1))).toEqual(["nodebug-1.0-1-x86_64.pkg.tar.zst"]);
  });

  test("aborting kills makepkg's whole process tree, even what left the process group", async () => {
    const pids = join(shared, "abort");
    mkdirSync(pids, { mode: 0o777 });
    chmodSync(pids, 0o777);
    const r: Recipe = {
      pkgbase: "sleeper",
      // One sleep in makepkg's group, one in a session of its own (as fakeroot's faked makes for itself).
      build: [`sleep 600 & echo $! > ${pids}/group.pid; setsid sleep 600 & echo $! > ${pids}/session.pid; wait`],
    };
    const { path, commit } = repoFor(r);
    const controller = new AbortController();
    const building = build(leaseFor(r, path, commit), controller.signal);
    const group = await waitFor("the PKGBUILD's sleep", () => readPid(join(pids, "group.pid")), 30_000);
    const session = await waitFor("the setsid sleep", () => readPid(join(pids, "session.pid")), 30_000);
    expect(isRunning(group) && isRunning(session)).toBe(true);

    controller.abort(new Error("the server cancelled this build"));
    await expect(building).rejects.toThrow("the server cancelled this build");
    expect(isRunning(group)).toBe(false);
    expect(isRunning(session)).toBe(false);
  });

  test("processes a successful build leaves behind are killed, even one holding the log open", async () => {
    const pids = join(shared, "leftover");
    mkdirSync(pids, { mode: 0o777 });
    chmodSync(pids, 0o777);
    const r: Recipe = {
      pkgbase: "daemonizer",
      // One still writing to the build's output (the log would never end), one in a session of its own.
      build: [
        `sleep 600 & echo $! > ${pids}/group.pid; (setsid sleep 600 >/dev/null 2>&1 & echo $! > ${pids}/daemon.pid)`,
      ],
    };
    const { path, commit } = repoFor(r);
    const { outcome, log } = await build(leaseFor(r, path, commit));
    expect(outcome.status).toBe("built");
    for (const file of ["group.pid", "daemon.pid"]) {
      const pid = readPid(join(pids, file)) as number;
      expect(pid).toBeGreaterThan(0);
      expect(isRunning(pid)).toBe(false);
    }
    // Both leftovers at least; fakeroot's faked may still be on its way out too when they are counted.
    const killed = Number(/==> buildbtw: killed (\d+) process\(es\) the build left running/.exec(log)?.[1]);
    expect(killed).toBeGreaterThanOrEqual(2);
  });

  test("upstream keys from keys/pgp are in the build's own keyring, where makepkg verifies sources", async () => {
    const r: Recipe = { pkgbase: "keyed", build: ["gpg --batch --with-colons --list-keys | grep '^fpr'"] };
    const key = readFileSync(join(import.meta.dir, "support", "stand-ins", "upstream-key.asc"), "utf8");
    const { path, commit } = recipeRepo(join(tmp, "repos"), r, {
      "keys/pgp/CF62D9C2E82326D64A291BB998A8C33D018C7473.asc": key,
    });
    const { outcome, log, workDir } = await build(leaseFor(r, path, commit));
    expect(outcome.status).toBe("built");
    expect(log).toContain(`importing 1 upstream PGP key(s) into ${BUILD_USER}'s keyring in ${workDir}/home`);
    expect(log).toContain("fpr:::::::::CF62D9C2E82326D64A291BB998A8C33D018C7473:");
  });

  test("the worker's environment does not reach the build", async () => {
    process.env.BUILDBTW_TOKEN = "worker-secret-0123456789";
    try {
      const r: Recipe = { pkgbase: "envcheck", build: ['env | grep -c BUILDBTW_TOKEN || echo "no token here"'] };
      const { path, commit } = repoFor(r);
      const { outcome, log } = await build(leaseFor(r, path, commit));
      expect(outcome.status).toBe("built");
      expect(log).toContain("no token here");
      expect(log).not.toContain("worker-secret");
    } finally {
      delete process.env.BUILDBTW_TOKEN;
    }
  });
});

describe("makepkg driver: the build user", () => {
  test("a build user that does not exist fails the build saying how to create it", async () => {
    const r: Recipe = { pkgbase: "nouser" };
    const { path, commit } = repoFor(r);
    const d = createMakepkgDriver({ buildUser: "buildbtw-nobody" });
    const { outcome } = await build(leaseFor(r, path, commit), undefined, d);
    expect(outcome).toEqual({
      status: "failed",
      reason:
        "the build user buildbtw-nobody does not exist: create it with `useradd --system --create-home --home-dir /var/lib/buildbtw-nobody --shell /usr/sbin/nologin buildbtw-nobody` (scripts/setup.sh does), or name another one with --build-user",
    });
  });

  test("a work directory the build user cannot reach fails the build saying so", async () => {
    const hidden = makeTempDir("drivers-hidden-"); // 0700, root's
    try {
      const r: Recipe = { pkgbase: "hidden" };
      const { path, commit } = repoFor(r);
      const workDir = join(hidden, "build-1");
      mkdirSync(workDir);
      let log = "";
      const outcome = await driver.build(leaseFor(r, path, commit), {
        workDir,
        log: (c) => {
          log += c;
        },
        signal: new AbortController().signal,
      });
      expect(outcome).toMatchObject({
        status: "failed",
        reason: expect.stringContaining(`the build user ${BUILD_USER} cannot write ${workDir}/source`),
      });
      expect(existsSync(join(workDir, "pkgdest"))).toBe(true);
      expect(log).not.toContain("==> Making package");
    } finally {
      removeDir(hidden);
    }
  });
});
