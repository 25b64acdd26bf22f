// Which Driver a worker runs with, from its settings. The composition root passes in what drivers need
// from other adapters (the package builder), since adapters never import each other.
import { join } from "node:path";
import type { DriverName } from "../config/worker";
import { assertNever, Invalid } from "../core/errors";
import { isRoot } from "../drivers/build-host";
import type { Driver } from "../drivers/driver";
import { createFakeDriver, type PackageBuilder } from "../drivers/fake";
import { createMakepkgDriver } from "../drivers/makepkg";
import { createPkgctlDriver } from "../drivers/pkgctl";
import { CHROOTS } from "./build-dirs";

export interface DriverNeeds {
  buildPackage: PackageBuilder;
}

export interface DriverSettings {
  driver: DriverName;
  fakeDelayMs: number;
  fakeDurations: Record<string, number> | null;
  fakeTimeScale: number;
  buildUser: string;
  modifyGpgKeyring: boolean;
  /** The worker's work directory: the pkgctl driver keeps its per-namespace chroots under it. */
  workDir: string;
}

/**
 * The chosen driver; a host that cannot run it at all (no makepkg, no pkgctl, pkgctl without root) is
 * refused at start with what to do, rather than failing every build it would lease.
 */
export function selectDriver(settings: DriverSettings, needs: DriverNeeds): Driver {
  const need = (tool: string, hint: string) => {
    if (Bun.which(tool) === null)
      throw new Invalid(`the ${settings.driver} driver needs ${tool}, which is not installed: ${hint}`);
  };
  switch (settings.driver) {
    case "fake":
      return createFakeDriver({
        buildPackage: needs.buildPackage,
        delayMs: settings.fakeDelayMs,
        durations: settings.fakeDurations ?? undefined,
        timeScale: settings.fakeTimeScale,
      });
    case "makepkg":
      need("makepkg", "install pacman's makepkg (scripts/setup.sh does), or use --driver fake");
      return createMakepkgDriver({ buildUser: settings.buildUser });
    case "pkgctl":
      need("pkgctl", "install devtools (pacman -S devtools), or use --driver makepkg");
      if (!isRoot())
        throw new Invalid(
          "the pkgctl driver must run as root: it mounts a per-namespace chroot configuration for each build",
        );
      return createPkgctlDriver({
        buildUser: settings.buildUser,
        modifyGpgKeyring: settings.modifyGpgKeyring,
        chrootsDir: join(settings.workDir, CHROOTS),
      });
    default:
      return assertNever(settings.driver, "driver");
  }
}
