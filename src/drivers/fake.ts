// The `fake` driver: real, installable packages with the lease's names and metadata and no contents, at once or after a
// delay — for demos and load tests of everything around a build (README.md, Architecture: workers and leases).
import { basename } from "node:path";
import type { Lease } from "../api/schemas";
import { formatVersion } from "../core/package-file";
import { sleep } from "../lib/backoff";
import { pathInside } from "../lib/paths";
import type { Driver } from "./driver";

/** What the fake driver asks the package builder for: one package's .PKGINFO facts. */
export interface FakePackage {
  pkgname: string;
  pkgbase: string;
  /** `[epoch:]pkgver-pkgrel`, as .PKGINFO writes it. */
  version: string;
  /** The package's own architecture: the lease's, or `any`. */
  arch: string;
  depends: string[];
  optdepends: string[];
  provides: string[];
  conflicts: string[];
  replaces: string[];
  packager: string;
}

/**
 * Makes the bytes of a valid .pkg.tar.zst. Injected by the composition root (the pacman adapter has one):
 * adapters never import each other.
 */
export type PackageBuilder = (pkg: FakePackage) => Uint8Array | Promise<Uint8Array>;

export interface FakeDriverOptions {
  buildPackage: PackageBuilder;
  /** How long each "build" takes (default 0). */
  delayMs?: number;
  /** pkgbase → seconds its builds take, instead of delayMs (to model real build times in load tests). */
  durations?: Readonly<Record<string, number>>;
  /** Multiplies `durations` (default 1): 0.01 turns an hour into 36 s. */
  timeScale?: number;
}

/** How long the fake build of a pkgbase takes, in milliseconds. */
export function fakeBuildMs(options: Pick<FakeDriverOptions, "delayMs" | "durations" | "timeScale">, pkgbase: string) {
  const seconds =
    options.durations && Object.hasOwn(options.durations, pkgbase) ? options.durations[pkgbase] : undefined;
  if (seconds === undefined) return options.delayMs ?? 0;
  return Math.round(seconds * 1000 * (options.timeScale ?? 1));
}

export function createFakeDriver(options: FakeDriverOptions): Driver {
  return {
    name: "fake",
    async build(job: Lease, ctx) {
      const version = formatVersion(job.version);
      ctx.log(`==> fake build of ${job.pkgbase} ${version} (${job.arch}) at ${job.commit}\n`);
      ctx.log(`==> namespace ${job.namespace}, iteration ${job.iteration}, attempt ${job.attempt}\n`);
      if (job.bump) ctx.log(`==> rebuild: pkgrel ${job.bump.from} → ${job.bump.to}\n`);
      const delayMs = fakeBuildMs(options, job.pkgbase);
      if (delayMs > 0) {
        ctx.log(`==> pretending to compile for ${delayMs} ms\n`);
        await sleep(delayMs, ctx.signal);
      }
      const files: string[] = [];
      for (const pkg of job.packages) {
        ctx.signal.throwIfAborted();
        // The file name comes from the server: it must name a file directly inside workDir.
        if (basename(pkg.file) !== pkg.file)
          return { status: "failed", reason: `refusing package file name ${JSON.stringify(pkg.file)}` };
        const path = pathInside(ctx.workDir, pkg.file);
        const bytes = await options.buildPackage(fakePackage(job, pkg, version));
        await Bun.write(path, bytes);
        ctx.log(`  -> ${pkg.file} (${bytes.byteLength} bytes)\n`);
        files.push(path);
      }
      ctx.log(`==> finished fake build of ${job.pkgbase}: ${files.length} package(s)\n`);
      return { status: "built", files };
    },
  };
}

function fakePackage(job: Lease, pkg: Lease["packages"][number], version: string): FakePackage {
  return {
    pkgname: pkg.pkgname,
    pkgbase: job.pkgbase,
    version,
    arch: pkg.arch,
    depends: pkg.depends,
    optdepends: pkg.optdepends,
    provides: pkg.provides,
    conflicts: pkg.conflicts,
    replaces: pkg.replaces,
    packager: "buildbtw fake driver <fake@buildbtw.invalid>",
  };
}
