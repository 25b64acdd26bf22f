// The `pkgctl` driver (README.md, Architecture: workers and leases), for Arch build hosts: `pkgctl build` in a clean
// chroot that has the namespace repository. pkgctl takes no pacman.conf: archbuild reads devtools' own
// (<devtools>/pacman.conf.d/<repo>.conf) and keeps its chroots in /var/lib/archbuild. So each build runs in a private
// mount namespace where both are replaced: a copy of devtools' configurations with the namespace repository added (as
// the predecessor's build script did to its throwaway VM), and a chroot directory of the namespace's own, so namespaces
// never see each other's packages and the host stays untouched.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidName, parseNamespaceName } from "../core/names";
import { pathInside } from "../lib/paths";
import {
  applyBump,
  asUser,
  type BuildUser,
  buildUser,
  collectPackages,
  failed,
  fetchSource,
  giveTo,
  hostPath,
  importKeys,
  isRoot,
  StepFailed,
  steps,
  upstreamKeys,
  workerPackager,
} from "./build-host";
import type { Driver } from "./driver";
import { withRepository } from "./pacman-conf";
import { describeExit, run } from "./process";

export interface PkgctlDriverOptions {
  /** Who runs pkgctl (BUILDBTW_BUILD_USER); devtools needs it to have passwordless sudo. */
  buildUser: string;
  /** Import the package's keys/pgp/*.asc into the build user's keyring (--modify-gpg-keyring). */
  modifyGpgKeyring: boolean;
  /** Parent of the per-namespace chroot directories (the worker's <work-dir>/chroots). */
  chrootsDir: string;
  /** The pkgctl to run (default: `pkgctl` on PATH). */
  pkgctl?: string;
  /** devtools' data directory (default /usr/share/devtools). */
  devtoolsDir?: string;
  /** Where archbuild looks for chroots (default /var/lib/archbuild). */
  archbuildDir?: string;
  /** The build user's HOME, where its keyring is (default: its home directory from passwd). */
  home?: string;
  graceMs?: number;
}

/** Inside the private mount namespace: put our two directories in place, then become the build user. */
const MOUNT_SCRIPT = 'set -e; mkdir -p "$4"; mount --bind "$1" "$2"; mount --bind "$3" "$4"; shift 4; exec "$@"';

export interface PkgctlInvocation {
  /** pkgctl's working directory: the checked-out source. */
  source: string;
  /** Our copy of devtools' pacman.conf.d, with the namespace repository. */
  pacmanConfDir: string;
  /** The namespace's chroot directory. */
  chrootDir: string;
  pkgdest: string;
  arch: string;
  /** The copy of the chroot this build uses: concurrent builds of one namespace need different ones. */
  slot: number;
  user: BuildUser;
  home: string;
  pkgctl: string;
  devtoolsDir: string;
  archbuildDir: string;
}

/**
 * How buildbtw's build maps onto devtools, in one place: the command (private mounts, then pkgctl build as
 * the build user) and its environment (PKGDEST and PACKAGER are among what archbuild passes through sudo).
 */
export function pkgctlCommand(inv: PkgctlInvocation): { argv: string[]; env: Record<string, string> } {
  return {
    argv: [
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      MOUNT_SCRIPT,
      "sh",
      inv.pacmanConfDir,
      join(inv.devtoolsDir, "pacman.conf.d"),
      inv.chrootDir,
      inv.archbuildDir,
      ...asUser(inv.user),
      inv.pkgctl,
      "build",
      "--arch",
      inv.arch,
      "--worker",
      String(inv.slot),
    ],
    env: {
      PATH: hostPath(),
      HOME: inv.home,
      USER: inv.user.name,
      LOGNAME: inv.user.name,
      LANG: "C.UTF-8",
      PKGDEST: inv.pkgdest,
      PACKAGER: workerPackager(),
    },
  };
}

export function createPkgctlDriver(options: PkgctlDriverOptions): Driver {
  const devtoolsDir = options.devtoolsDir ?? "/usr/share/devtools";
  const archbuildDir = options.archbuildDir ?? "/var/lib/archbuild";
  const slots = new Set<number>();
  const takeSlot = () => {
    let slot = 1;
    while (slots.has(slot)) slot++;
    slots.add(slot);
    return slot;
  };

  return {
    name: "pkgctl",
    build: (job, ctx) =>
      steps(async () => {
        if (!isRoot())
          return failed(
            "the pkgctl driver must run as root: it gives each namespace its own chroot through private mounts and runs pkgctl as the build user (who needs passwordless sudo, as devtools requires)",
          );
        const pkgctl = options.pkgctl ?? Bun.which("pkgctl", { PATH: hostPath() });
        if (!pkgctl || !existsSync(pkgctl))
          return failed("pkgctl is not installed: install devtools (pacman -S devtools), or use --driver makepkg");
        let namespace: string;
        try {
          namespace = parseNamespaceName(job.namespace);
        } catch (error) {
          if (error instanceof InvalidName) return failed(`refusing the lease's namespace: ${error.message}`);
          throw error;
        }
        const user = buildUser(options.buildUser);
        const home = options.home ?? user.home;
        const source = join(ctx.workDir, "source");
        const pkgdest = join(ctx.workDir, "pkgdest");
        const pacmanConfDir = join(ctx.workDir, "pacman.conf.d");

        await fetchSource(job, source, ctx);
        await applyBump(job, source, ctx);
        await mkdir(pkgdest, { recursive: true });
        await writeNamespaceConfigs(join(devtoolsDir, "pacman.conf.d"), pacmanConfDir, job.repository);
        ctx.log(`==> buildbtw: chroot pacman configuration has [${job.repository.name}] at ${job.repository.url}\n`);
        const chrootDir = pathInside(options.chrootsDir, namespace);
        await mkdir(chrootDir, { recursive: true, mode: 0o755 });
        // The sweep removes chroots of namespaces that have been idle for long: this one is in use.
        const now = new Date();
        await utimes(chrootDir, now, now);

        await giveTo(user, ctx.workDir);
        const keys = await upstreamKeys(source);
        if (options.modifyGpgKeyring) await importKeys(user, home, keys, ctx);
        else if (keys.length > 0)
          ctx.log(
            `==> buildbtw: not importing ${keys.length} upstream PGP key(s) from keys/pgp: pass --modify-gpg-keyring to let the worker add them to ${user.name}'s keyring\n`,
          );

        const slot = takeSlot();
        try {
          const { argv, env } = pkgctlCommand({
            source,
            pacmanConfDir,
            chrootDir,
            pkgdest,
            arch: job.arch,
            slot,
            user,
            home,
            pkgctl,
            devtoolsDir,
            archbuildDir,
          });
          ctx.log(`==> buildbtw: pkgctl build --arch ${job.arch} as ${user.name} in chroot copy ${slot}\n`);
          const result = await run(argv, {
            cwd: source,
            env,
            log: ctx.log,
            signal: ctx.signal,
            graceMs: options.graceMs,
          });
          if (result.leftovers > 0)
            ctx.log(`==> buildbtw: killed ${result.leftovers} process(es) the build left running\n`);
          if (result.code !== 0) throw new StepFailed(`pkgctl build ${describeExit(result)}`);
        } finally {
          slots.delete(slot);
        }
        return collectPackages(job, pkgdest, "pkgctl build", ctx);
      }),
  };
}

/** devtools' pacman configurations, each with the namespace repository, into `to`. */
async function writeNamespaceConfigs(
  from: string,
  to: string,
  repository: { name: string; url: string },
): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(from)).filter((n) => n.endsWith(".conf"));
  } catch {
    names = [];
  }
  if (names.length === 0) throw new StepFailed(`devtools' pacman configurations are missing: no ${from}/*.conf`);
  await mkdir(to, { recursive: true });
  for (const name of names) {
    try {
      await writeFile(join(to, name), withRepository(await readFile(join(from, name), "utf8"), repository));
    } catch (error) {
      throw new StepFailed(`could not write the chroot's pacman configuration ${name}: ${(error as Error).message}`);
    }
  }
}
