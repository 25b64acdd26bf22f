// The pkgctl driver against a stand-in `pkgctl` (test/support/stand-ins/pkgctl): devtools and
// systemd-nspawn cannot run here, so the stand-in records what a real pkgctl would be given — arguments,
// user, environment, the pacman configurations and chroot directory mounted for it, its keyring — and
// "builds" by copying packages the test made with the pacman adapter. Everything around it is real:
// git, the private mount namespace, the build user, gpg.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lease } from "../src/api/schemas";
import { lookupUser } from "../src/drivers/build-host";
import type { BuildOutcome } from "../src/drivers/driver";
import { createPkgctlDriver, type PkgctlDriverOptions } from "../src/drivers/pkgctl";
import { buildPackage, inspectPackage } from "../src/pacman";
import { leaseFor, reachableTempDir, recipeRepo } from "./drivers-fixtures";
import { git, removeDir } from "./support/git";
import type { Recipe } from "./support/recipes";

const BUILD_USER = "buildbtw-build";
const KEY_FINGERPRINT = "CF62D9C2E82326D64A291BB998A8C33D018C7473";
const standIns = join(import.meta.dir, "support", "stand-ins");

const ARCH_CONF = `[options]
Architecture = auto

[core-testing]
Include = /etc/pacman.d/mirrorlist

[core]
Include = /etc/pacman.d/mirrorlist

[extra]
Include = /etc/pacman.d/mirrorlist
`;

let tmp: string;
let devtools: string;
let pkgctl: string;
let builds = 0;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("the pkgctl driver runs as root, and so do its tests");
  if (lookupUser(BUILD_USER) === null) throw new Error(`run ./scripts/setup.sh once to create ${BUILD_USER}`);
  tmp = reachableTempDir("drivers-pkgctl-");
  // A devtools data directory as Arch's devtools installs it (only the part the driver reads).
  devtools = join(tmp, "devtools");
  mkdirSync(join(devtools, "pacman.conf.d"), { recursive: true });
  writeFileSync(join(devtools, "pacman.conf.d", "extra.conf"), ARCH_CONF);
  writeFileSync(join(devtools, "pacman.conf.d", "core-testing.conf"), ARCH_CONF);
  // The build user runs it: keep it where that user can read it.
  pkgctl = join(tmp, "pkgctl");
  copyFileSync(join(standIns, "pkgctl"), pkgctl);
});
afterAll(() => removeDir(tmp));

/** A package source with a PKGBUILD, an upstream key, and (unless `prebuilt` is false) its packages ready-made. */
function sourceFor(r: Recipe, options: { prebuilt?: boolean } = {}): { path: string; commit: string; lease: Lease } {
  const { path } = recipeRepo(join(tmp, "repos"), r, {
    "keys/pgp/CF62D9C2E82326D64A291BB998A8C33D018C7473.asc": readFileSync(join(standIns, "upstream-key.asc"), "utf8"),
  });
  const draft = leaseFor(r, path, "0".repeat(40));
  if (options.prebuilt !== false) {
    mkdirSync(join(path, "prebuilt"));
    for (const pkg of draft.packages) {
      const bytes = buildPackage({ pkgname: pkg.pkgname, pkgbase: r.pkgbase, version: draft.version, arch: pkg.arch });
      writeFileSync(join(path, "prebuilt", pkg.file), bytes);
    }
    git(path, "add", "prebuilt");
    git(path, "commit", "--quiet", "-m", "prebuilt packages for the stand-in");
  }
  const commit = git(path, "rev-parse", "HEAD");
  return { path, commit, lease: { ...draft, commit } };
}

interface Run {
  outcome: BuildOutcome;
  log: string;
  /** The stand-in's record, by section. */
  record: {
    args: string;
    uid: string;
    env: Record<string, string>;
    mounts: string[];
    confs: Record<string, string>;
    keys: string[];
  };
  home: string;
}

async function build(lease: Lease, options: Partial<PkgctlDriverOptions> = {}): Promise<Run> {
  const n = ++builds;
  const workDir = join(tmp, `build-${n}`);
  mkdirSync(workDir, { mode: 0o700 });
  // The build user's HOME (its keyring): one per run, so a key imported once cannot be seen by the next.
  const home = join(tmp, `home-${n}`);
  mkdirSync(home);
  const user = lookupUser(BUILD_USER) as NonNullable<ReturnType<typeof lookupUser>>;
  chownSync(home, user.uid, user.gid);
  const driver = createPkgctlDriver({
    buildUser: BUILD_USER,
    modifyGpgKeyring: false,
    chrootsDir: join(tmp, "chroots"),
    pkgctl,
    devtoolsDir: devtools,
    archbuildDir: join(tmp, "archbuild"),
    home,
    ...options,
  });
  let log = "";
  const outcome = await driver.build(lease, {
    workDir,
    log: (c) => {
      log += c;
    },
    signal: new AbortController().signal,
  });
  let text = "";
  try {
    text = readFileSync(join(workDir, "pkgctl-record"), "utf8");
  } catch {}
  return { outcome, log, record: parseRecord(text), home };
}

function parseRecord(text: string): Run["record"] {
  const section = (name: string) => {
    const start = text.indexOf(`--- ${name}\n`);
    if (start === -1) return "";
    const body = text.slice(start + name.length + 5);
    return body.slice(0, body.indexOf("\n--- "));
  };
  const env = Object.fromEntries(
    section("environment")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const confs: Record<string, string> = {};
  for (const m of text.matchAll(/--- pacman configuration (\S+)\n([\s\S]*?)(?=\n--- )/g))
    confs[m[1] as string] = m[2] as string;
  return {
    args: /^args: (.*)$/m.exec(text)?.[1] ?? "",
    uid: /^uid: (.*)$/m.exec(text)?.[1] ?? "",
    env,
    mounts: section("mounts").split("\n").filter(Boolean),
    confs,
    keys: section("keys")
      .split("\n")
      .filter((l) => l.startsWith("key: "))
      .map((l) => l.slice(5)),
  };
}

const sectionsOf = (conf: string) => [...conf.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]);

describe("pkgctl driver (stand-in pkgctl)", () => {
  test("runs pkgctl build for the lease's arch, as the build user, with the namespace repository in every chroot configuration", async () => {
    const r: Recipe = { pkgbase: "chrooted", packages: ["chrooted", "chrooted-extra"] };
    const { lease } = sourceFor(r);
    const { outcome, log, record } = await build(lease);

    expect(outcome.status).toBe("built");
    const files = outcome.status === "built" ? outcome.files : [];
    expect(files.map((f) => f.split("/").at(-1))).toEqual(lease.expected_files);
    expect(files.map((f) => inspectPackage(new Uint8Array(readFileSync(f))).pkginfo.pkgname)).toEqual([
      "chrooted",
      "chrooted-extra",
    ]);

    expect(record.args).toBe("build --arch x86_64 --worker 1");
    expect(record.uid).toBe(String(lookupUser(BUILD_USER)?.uid));
    expect(record.env).toMatchObject({ USER: BUILD_USER, PKGDEST: expect.stringMatching(/\/pkgdest$/) });
    expect(record.env.BUILDBTW_TOKEN).toBeUndefined();
    // Our copy of devtools' configurations and the namespace's own chroot directory, mounted for pkgctl only.
    expect(record.mounts).toEqual([
      expect.stringMatching(new RegExp(`/build-\\d+/pacman\\.conf\\.d on ${devtools}/pacman\\.conf\\.d$`)),
      expect.stringMatching(new RegExp(`/chroots/drivers-test on ${tmp}/archbuild$`)),
    ]);
    expect(Object.keys(record.confs).sort()).toEqual([
      `${devtools}/pacman.conf.d/core-testing.conf`,
      `${devtools}/pacman.conf.d/extra.conf`,
    ]);
    for (const conf of Object.values(record.confs)) {
      expect(sectionsOf(conf)).toEqual(["options", "buildbtw-drivers-test", "core-testing", "core", "extra"]);
      expect(conf).toContain(
        "[buildbtw-drivers-test]\nSigLevel = Optional TrustAll\nServer = http://127.0.0.1:9/repo/drivers-test/1/os/x86_64\n",
      );
    }
    // Outside that mount namespace devtools' own files are untouched.
    expect(readFileSync(join(devtools, "pacman.conf.d", "extra.conf"), "utf8")).toBe(ARCH_CONF);
    expect(log).toContain("==> Building in chroot (stand-in)");
  });

  test("upstream keys go into the build user's keyring only with --modify-gpg-keyring", async () => {
    const r: Recipe = { pkgbase: "signed" };
    const { lease } = sourceFor(r);

    const without = await build(lease);
    expect(without.outcome.status).toBe("built");
    expect(without.record.keys).toEqual([]);
    expect(without.log).toContain(
      "==> buildbtw: not importing 1 upstream PGP key(s) from keys/pgp: pass --modify-gpg-keyring",
    );

    const withFlag = await build(lease, { modifyGpgKeyring: true });
    expect(withFlag.outcome, withFlag.log).toMatchObject({ status: "built" });
    expect(withFlag.record.keys).toEqual([KEY_FINGERPRINT]);
    expect(withFlag.log).toContain("importing 1 upstream PGP key(s) into buildbtw-build's keyring");
  });

  test("a failing pkgctl build fails the build; a missing pkgctl says how to get one", async () => {
    const r: Recipe = { pkgbase: "noproducts" };
    const { lease } = sourceFor(r, { prebuilt: false });
    const { outcome, log } = await build(lease);
    expect(outcome).toEqual({ status: "failed", reason: "pkgctl build exited with status 1" });
    expect(log).toContain("prebuilt/*.pkg.tar.zst");

    const missing = await build(lease, { pkgctl: join(tmp, "no-pkgctl-here") });
    expect(missing.outcome).toEqual({
      status: "failed",
      reason: "pkgctl is not installed: install devtools (pacman -S devtools), or use --driver makepkg",
    });
  });

  test("devtools without pacman configurations fails the build saying where it looked", async () => {
    const { lease } = sourceFor({ pkgbase: "nodevtools" });
    const { outcome } = await build(lease, { devtoolsDir: join(tmp, "no-devtools") });
    expect(outcome).toEqual({
      status: "failed",
      reason: `devtools' pacman configurations are missing: no ${tmp}/no-devtools/pacman.conf.d/*.conf`,
    });
  });
});
