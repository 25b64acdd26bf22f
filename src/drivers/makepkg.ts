// The `makepkg` driver (README.md, Architecture: workers and leases): any Linux with makepkg. Clones the lease's commit
// into the build directory, builds as the unprivileged build user (makepkg refuses root) with a small makepkg.conf of
// our own that sources the system one and pins what buildbtw relies on (Debian's differs from Arch's: it writes
// .pkg.tar.gz), and hands back exactly the predicted package files.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Lease } from "../api/schemas";
import {
  applyBump,
  asUser,
  buildUser,
  checkReachable,
  collectPackages,
  fetchSource,
  giveTo,
  hostPath,
  importKeys,
  StepFailed,
  steps,
  upstreamKeys,
  workerPackager,
} from "./build-host";
import type { Driver } from "./driver";
import { withRepository } from "./pacman-conf";
import { describeExit, run, shellQuote } from "./process";

export interface MakepkgDriverOptions {
  /** Who builds when the worker runs as root (BUILDBTW_BUILD_USER). */
  buildUser: string;
  /**
   * Whether this host's packages are pacman's (Arch): then makepkg installs dependencies with --syncdeps
   * from a pacman.conf that adds the namespace repository. Default: detected (hostIsPacmanManaged).
   */
  pacmanManaged?: boolean;
  /** The system configurations ours start from (default /etc/makepkg.conf, /etc/pacman.conf). */
  systemMakepkgConf?: string;
  systemPacmanConf?: string;
  /** How long a stopped build gets between SIGTERM and SIGKILL. */
  graceMs?: number;
}

/** Where one build's pieces live, all inside the build directory the worker gave the driver. */
export interface BuildLayout {
  source: string;
  pkgdest: string;
  srcdest: string;
  logdest: string;
  home: string;
  tmp: string;
  makepkgConf: string;
  pacmanConf: string;
  /** `pacman --config <ours>`, for makepkg's PACMAN. */
  pacmanWrapper: string;
}

export function buildLayout(workDir: string): BuildLayout {
  return {
    source: join(workDir, "source"),
    pkgdest: join(workDir, "pkgdest"),
    srcdest: join(workDir, "srcdest"),
    logdest: join(workDir, "logs"),
    home: join(workDir, "home"),
    tmp: join(workDir, "tmp"),
    makepkgConf: join(workDir, "makepkg.conf"),
    pacmanConf: join(workDir, "pacman.conf"),
    pacmanWrapper: join(workDir, "pacman-for-build"),
  };
}

/**
 * Our makepkg.conf: the system's settings (and its makepkg.conf.d, which makepkg reads only next to the
 * configuration it was given), then the lease's architecture, Arch's package extension, every output
 * directory inside the build directory, `strip` and `debug` as devtools' makepkg.conf has them (so an
 * architecture-specific pkgbase yields <pkgbase>-debug as `pkgctl build` would) and no signing.
 */
export function makepkgConf(layout: BuildLayout, arch: string, systemConf = "/etc/makepkg.conf"): string {
  return [
    "# Written by buildbtw for one build: the system's makepkg settings, then what buildbtw relies on.",
    `if [[ -r ${shellQuote(systemConf)} ]]; then source ${shellQuote(systemConf)}; fi`,
    `for conf in ${shellQuote(`${systemConf}.d`)}/*.conf; do [[ -r $conf ]] && source "$conf"; done`,
    `CARCH=${shellQuote(arch)}`,
    "PKGEXT='.pkg.tar.zst'",
    "SRCEXT='.src.tar.gz'",
    `PKGDEST=${shellQuote(layout.pkgdest)}`,
    `SRCDEST=${shellQuote(layout.srcdest)}`,
    `SRCPKGDEST=${shellQuote(layout.srcdest)}`,
    `LOGDEST=${shellQuote(layout.logdest)}`,
    // makepkg reads an option array from its end: these win over the system's.
    "OPTIONS+=('strip' 'debug')",
    "BUILDENV+=('!sign' '!ccache' '!distcc')",
    "",
  ].join("\n");
}

/** The packaging options of devtools' makepkg.conf (what `pkgctl build` on Arch builds with). */
export const DEVTOOLS_OPTIONS = [
  "strip",
  "docs",
  "!libtool",
  "!staticlibs",
  "emptydirs",
  "zipman",
  "purge",
  "debug",
  "lto",
];

/** The system makepkg.conf's OPTIONS (sourced by bash, as makepkg does), or null when it cannot be read. */
export function systemOptions(systemConf: string): string[] | null {
  const result = Bun.spawnSync(
    ["bash", "-c", `source "$1" >/dev/null 2>&1 || exit 1; printf '%s\\n' "\${OPTIONS[@]}"`, "bash", systemConf],
    { stdout: "pipe", stderr: "ignore", env: { PATH: hostPath() } },
  );
  if (result.exitCode !== 0) return null;
  return result.stdout.toString().split("\n").filter(Boolean);
}

/** Say in the build log where this host's packaging options differ from devtools' (debug and strip are set as devtools sets them). */
function noteConfigDifferences(systemConf: string, ctx: { log: (chunk: string) => void }): void {
  const options = systemOptions(systemConf);
  if (options === null) {
    ctx.log(`==> buildbtw: could not read ${systemConf}; building with makepkg's defaults plus strip and debug\n`);
    return;
  }
  const name = (o: string) => o.replace(/^!/, "");
  const setting = new Map(options.map((o) => [name(o), o]));
  const differ = DEVTOOLS_OPTIONS.filter((o) => setting.get(name(o)) !== o);
  if (differ.length === 0) return;
  ctx.log(
    `==> buildbtw: this host's makepkg.conf differs from devtools': OPTIONS has ${differ.map((o) => setting.get(name(o)) ?? `no ${name(o)}`).join(", ")} where devtools has ${differ.join(", ")}; strip and debug are enabled for this build as devtools does\n`,
  );
}

/** makepkg's arguments: --nodeps where pacman does not manage the host, else --syncdeps (and --rmdeps after). */
export function makepkgArguments(layout: BuildLayout, pacmanManaged: boolean): string[] {
  return [
    "makepkg",
    "--config",
    layout.makepkgConf,
    "--nocolor",
    "--noconfirm",
    "--noprogressbar",
    "--cleanbuild",
    ...(pacmanManaged ? ["--syncdeps", "--rmdeps"] : ["--nodeps"]),
  ];
}

/** The build's environment: nothing of the worker's own (its token least of all), a HOME of its own. */
export function makepkgEnvironment(
  layout: BuildLayout,
  user: { name: string },
  pacmanManaged: boolean,
): Record<string, string> {
  return {
    PATH: hostPath(),
    HOME: layout.home,
    USER: user.name,
    LOGNAME: user.name,
    LANG: "C.UTF-8",
    TMPDIR: layout.tmp,
    // The environment wins over makepkg.conf for these: pin them here too.
    PKGDEST: layout.pkgdest,
    SRCDEST: layout.srcdest,
    SRCPKGDEST: layout.srcdest,
    LOGDEST: layout.logdest,
    PKGEXT: ".pkg.tar.zst",
    SRCEXT: ".src.tar.gz",
    PACKAGER: workerPackager(),
    ...(pacmanManaged ? { PACMAN: layout.pacmanWrapper } : {}),
  };
}

/**
 * Whether pacman manages this host's packages: an Arch system (/etc/arch-release) with a non-empty local
 * database. Debian's pacman package manages nothing, so dependencies cannot be installed there.
 */
export function hostIsPacmanManaged(root = "/"): boolean {
  if (!existsSync(join(root, "etc/arch-release"))) return false;
  const local = join(root, "var/lib/pacman/local");
  try {
    return readdirSync(local).some((name) => name !== "ALPM_DB_VERSION");
  } catch {
    return false;
  }
}

export function createMakepkgDriver(options: MakepkgDriverOptions): Driver {
  const pacmanManaged = options.pacmanManaged ?? hostIsPacmanManaged();
  return {
    name: "makepkg",
    build: (job, ctx) =>
      steps(async () => {
        const user = buildUser(options.buildUser);
        const layout = buildLayout(ctx.workDir);
        ctx.log(
          `==> buildbtw: makepkg as ${user.name} (uid ${user.uid})${user.switches ? "" : " (the worker's own user: it is not root)"}\n`,
        );
        await fetchSource(job, layout.source, ctx);
        await applyBump(job, layout.source, ctx);
        noteConfigDifferences(options.systemMakepkgConf ?? "/etc/makepkg.conf", ctx);
        for (const dir of [layout.pkgdest, layout.srcdest, layout.logdest, layout.home, layout.tmp])
          await mkdir(dir, { recursive: true });
        await writeFile(layout.makepkgConf, makepkgConf(layout, job.arch, options.systemMakepkgConf));
        if (pacmanManaged) await writePacmanConfig(job, layout, options.systemPacmanConf);
        else ctx.log("==> buildbtw: this host's packages are not managed by pacman; building with --nodeps\n");
        await giveTo(user, ctx.workDir);
        await checkReachable(user, layout.source, ctx);
        // The keyring lives in this build's own HOME: importing touches nothing that outlives the build.
        await importKeys(user, layout.home, await upstreamKeys(layout.source), ctx);

        const makepkgStarted = performance.now();
        const result = await run([...asUser(user), ...makepkgArguments(layout, pacmanManaged)], {
          cwd: layout.source,
          env: makepkgEnvironment(layout, user, pacmanManaged),
          log: ctx.log,
          signal: ctx.signal,
          graceMs: options.graceMs,
        });
        // Stated in the log so the overhead around makepkg (clone, upload, scheduling) can be measured.
        ctx.log(`==> buildbtw: makepkg ran for ${Math.round(performance.now() - makepkgStarted)} ms\n`);
        if (result.leftovers > 0)
          ctx.log(`==> buildbtw: killed ${result.leftovers} process(es) the build left running\n`);
        if (result.code !== 0) throw new StepFailed(`makepkg ${describeExit(result)}`);
        return collectPackages(job, layout.pkgdest, "makepkg", ctx);
      }),
  };
}

/** The system's pacman.conf plus the namespace repository, and a `pacman` that uses it (for --syncdeps). */
async function writePacmanConfig(job: Lease, layout: BuildLayout, systemConf = "/etc/pacman.conf"): Promise<void> {
  let text: string;
  try {
    text = readFileSync(systemConf, "utf8");
  } catch (error) {
    throw new StepFailed(`cannot read ${systemConf}: ${(error as Error).message}`);
  }
  try {
    await writeFile(layout.pacmanConf, withRepository(text, job.repository));
  } catch (error) {
    throw new StepFailed((error as Error).message);
  }
  await writeFile(layout.pacmanWrapper, `#!/bin/sh\nexec pacman --config ${shellQuote(layout.pacmanConf)} "$@"\n`);
  await chmod(layout.pacmanWrapper, 0o755);
}
