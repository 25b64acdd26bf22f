// `buildbtw plan` settings (local mode): where the repositories and the .SRCINFO cache are.
import { join, resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_ARCH } from "../core/types";
import { type Env, environment, parseSettings, pick } from "./env";

const Schema = z.object({
  reposDir: z.string().min(1),
  dataDir: z.string().min(1),
  defaultArch: z.string().min(1),
});
export type PlanConfig = z.infer<typeof Schema> & { cachePath: string };

export function loadPlanConfig(flags: { repos?: string; "data-dir"?: string }, env: Env = environment()): PlanConfig {
  const dataDir = pick(flags["data-dir"], env.DATA_DIR) ?? "./data";
  const parsed = parseSettings(
    Schema,
    {
      reposDir: pick(flags.repos, env.REPOS_DIR) ?? join(dataDir, "source_repos"),
      dataDir,
      defaultArch: pick(env.BUILDBTW_DEFAULT_ARCH) ?? DEFAULT_ARCH,
    },
    "plan",
    { reposDir: "REPOS_DIR (--repos)", dataDir: "DATA_DIR (--data-dir)", defaultArch: "BUILDBTW_DEFAULT_ARCH" },
  );
  return {
    ...parsed,
    reposDir: resolve(parsed.reposDir),
    dataDir: resolve(parsed.dataDir),
    cachePath: join(resolve(parsed.dataDir), "srcinfo-cache.sqlite"),
  };
}
