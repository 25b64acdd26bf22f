// The build-driver tests' packages (support/recipes, at version 1.0), the lease a server would hand out for them,
// and process checks.
import { chmodSync, existsSync, readFileSync } from "node:fs";
import type { Lease } from "../src/api/schemas";
import { packageFileName } from "../src/core/package-file";
import { makeRepo, makeTempDir } from "./support/git";
import { packagesOf, type Recipe, recipeFiles } from "./support/recipes";

/**
 * The drivers' recipes: support/recipes' with version 1.0 unless they say otherwise (the file names the
 * tests expect, e.g. split-lib-1.0-1-x86_64.pkg.tar.zst).
 */
const withDefaults = (r: Recipe): Recipe => ({ pkgver: "1.0", ...r });

/** Files for makeRepo: PKGBUILD and .SRCINFO. */
export const driverFiles = (r: Recipe) => recipeFiles(withDefaults(r));

/** A repository `<reposDir>/<pkgbase>` with `r`'s files (and `more`) committed; its path and commit. */
export const recipeRepo = (reposDir: string, r: Recipe, more: Record<string, string> = {}) =>
  makeRepo(reposDir, r.pkgbase, null, { files: { ...driverFiles(r), ...more } });

let builds = 0;

/** The lease a server would hand out for building `r` at `commit` from `sourceUrl` for x86_64. */
export function leaseFor(r: Recipe, sourceUrl: string, commit: string, overrides: Partial<Lease> = {}): Lease {
  const version = { epoch: r.epoch ?? null, pkgver: r.pkgver ?? "1.0", pkgrel: r.pkgrel ?? "1" };
  const arch = (r.arch ?? ["x86_64"]).includes("any") ? "any" : "x86_64";
  const packages = packagesOf(r).map(({ pkgname }) => ({
    pkgname,
    arch,
    file: packageFileName({ pkgname, version, arch }),
    depends: r.depends ?? [],
    optdepends: [],
    provides: [],
    conflicts: [],
    replaces: [],
  }));
  builds++;
  return {
    lease_id: `lease-${builds}`,
    ttl_ms: 60_000,
    expires_at: new Date(Date.now() + 60_000).toISOString(),
    build_id: builds,
    namespace: "drivers-test",
    iteration: 1,
    arch: "x86_64",
    pkgbase: r.pkgbase,
    commit,
    source_url: sourceUrl,
    version,
    bump: null,
    packages,
    expected_files: packages.map((p) => p.file),
    optional_files: arch === "any" ? [] : [packageFileName({ pkgname: `${r.pkgbase}-debug`, version, arch: "x86_64" })],
    repository: { name: "buildbtw-drivers-test", url: "http://127.0.0.1:9/repo/drivers-test/1/os/x86_64/" },
    attempt: 1,
    ...overrides,
  };
}

/** The lease of `r` as a rebuild: its committed pkgrel bumped to `to` by the builder. */
export function rebuildLeaseFor(r: Recipe, sourceUrl: string, commit: string, to: string): Lease {
  return { ...leaseFor({ ...r, pkgrel: to }, sourceUrl, commit), bump: { from: r.pkgrel ?? "1", to } };
}

/** A temp directory the build user can reach (mkdtemp makes them 0700). */
export function reachableTempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  chmodSync(dir, 0o755);
  return dir;
}

/** A world-writable temp directory, for files a PKGBUILD writes as the build user (pid files). */
export function sharedTempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  chmodSync(dir, 0o1777);
  return dir;
}

/** Whether `pid` is a running process (zombies count as gone: they run nothing and hold nothing). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The pid a PKGBUILD wrote into `file`, once it exists. */
export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
