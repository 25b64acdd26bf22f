// Which Driver a worker runs with, from its settings. The composition root passes in what drivers need
// from other adapters (the package builder), since adapters never import each other.

import type { DriverName } from "../config/worker";
import { assertNever, Invalid } from "../core/errors";
import type { Driver } from "../drivers/driver";
import { createFakeDriver, type PackageBuilder } from "../drivers/fake";

export interface DriverNeeds {
  buildPackage: PackageBuilder;
}

export function selectDriver(settings: { driver: DriverName; fakeDelayMs: number }, needs: DriverNeeds): Driver {
  switch (settings.driver) {
    case "fake":
      return createFakeDriver({ buildPackage: needs.buildPackage, delayMs: settings.fakeDelayMs });
    case "makepkg":
    case "pkgctl":
      throw new Invalid(`driver ${settings.driver} is not available yet; use --driver fake`);
    default:
      return assertNever(settings.driver, "driver");
  }
}
