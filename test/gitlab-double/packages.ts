// Package projects for the double and a buildbtw server in GitLab mode pointed at it.
import { join } from "node:path";
import { makeTempDir } from "../support/git";
import { type ServerProcess, startServer } from "../support/processes";
import { pkgbuild, srcinfo } from "../support/recipes";
import type { GitlabDouble } from "./index";

export const CI_CONFIG = "build:\n  script: [buildbtw-build]\n";

export interface PackageSpec {
  pkgbase: string;
  /** GitLab path when it differs from the pkgbase (`libc++` → `libcplusplus`). */
  path?: string;
  depends?: string[];
  pkgrel?: string;
  /** Commit a .gitlab-ci.yml (default true). */
  ci?: boolean;
}

export function packageFiles(spec: PackageSpec): Record<string, string> {
  const s = { pkgbase: spec.pkgbase, depends: spec.depends, pkgrel: spec.pkgrel };
  return {
    PKGBUILD: pkgbuild(s),
    ".SRCINFO": srcinfo(s),
    ...(spec.ci === false ? {} : { ".gitlab-ci.yml": CI_CONFIG }),
  };
}

export function addPackages(gl: GitlabDouble, specs: PackageSpec[]): void {
  for (const spec of specs) gl.addProject({ name: spec.pkgbase, path: spec.path, files: packageFiles(spec) });
}

export const WEBHOOK_SECRET = "webhook-secret-for-tests";
export const SIGNING_TOKEN = `whsec_${Buffer.alloc(32, 42).toString("base64")}`;

/** A `buildbtw serve` process in GitLab mode against the double; intervals default to an hour. */
export async function startGitlabServer(
  gl: GitlabDouble,
  env: Record<string, string> = {},
  /** An earlier server's data directory, to restart it. */
  existing?: string,
): Promise<ServerProcess & { reposDir: string }> {
  const dataDir = existing ?? makeTempDir("buildbtw-gitlab-server-");
  const reposDir = join(dataDir, "source_repos");
  const server = await startServer({
    dataDir,
    reposDir,
    env: {
      GITLAB_TOKEN: gl.apiToken,
      GITLAB_DOMAIN: gl.url,
      GITLAB_PACKAGES_GROUP: gl.group,
      BUILDBTW_ORIGIN_FETCH_INTERVAL_MS: "3600000",
      BUILDBTW_GITLAB_SWEEP_INTERVAL_MS: "3600000",
      BUILDBTW_REF_CHECK_INTERVAL_MS: "3600000",
      BUILDBTW_PIPELINE_POLL_INTERVAL_MS: "3600000",
      ...env,
    },
  });
  return { ...server, reposDir };
}
