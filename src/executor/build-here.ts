// A build on the machine this process runs on, with a build driver (makepkg): what isolation `none` does in
// the stage's own process, and what `buildbtw executor build JOBFILE` does inside a command template's
// wrapper. The packages end up in the output directory; the stage uploads them from there.
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { Lease } from "../api/schemas";
import type { BuildOutcome, Driver } from "../drivers/driver";
import { pathInside } from "../lib/paths";
import { BuildFailure, SystemFailure } from "./failures";

/** The job file of `executor build`: the driver's job and where to work and to put the packages. */
export const HereBuild = z.object({
  lease: Lease,
  /** Where the package files must end up. */
  output: z.string().startsWith("/"),
  /** A scratch directory for the driver, removed afterwards. */
  work: z.string().startsWith("/"),
  /** Who runs makepkg when the build runs as root. */
  build_user: z.string(),
});
export type HereBuild = z.infer<typeof HereBuild>;

export interface HereContext {
  log: (chunk: string) => void;
  signal: AbortSignal;
}

/** Build, then move the built files into the output directory. A failed build throws BuildFailure. */
export async function buildHere(job: HereBuild, driver: Driver, ctx: HereContext): Promise<string[]> {
  await rm(job.work, { recursive: true, force: true });
  await mkdir(job.work, { recursive: true });
  await mkdir(job.output, { recursive: true });
  try {
    const outcome = await drive(driver, job, ctx);
    if (outcome.status === "failed") throw new BuildFailure(outcome.reason);
    const moved: string[] = [];
    for (const file of outcome.files) {
      const target = pathInside(job.output, basename(file));
      await rename(file, target).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "EXDEV") throw error;
        await copyFile(file, target);
      });
      moved.push(target);
    }
    return moved;
  } finally {
    await rm(job.work, { recursive: true, force: true });
  }
}

async function drive(driver: Driver, job: HereBuild, ctx: HereContext): Promise<BuildOutcome> {
  try {
    return await driver.build(job.lease, { workDir: job.work, log: ctx.log, signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) throw new SystemFailure("the build was stopped");
    const message = error instanceof Error ? error.message : String(error);
    return { status: "failed", reason: `the ${driver.name} driver failed: ${message}` };
  }
}
