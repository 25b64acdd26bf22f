// At start, before anything is served: remove what a crash can leave behind. Nothing here is owned by a
// record, so nothing committed is lost: upload temporaries, half-written files of atomic writes, package
// files in a repository directory that no artifact row names (written, then the process died before the
// row), and git lock files in the repositories this server fetches itself (GitLab mode).
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { listArtifacts } from "../../db/artifacts";
import { findNamespace } from "../../db/namespaces";
import type { ServerDeps } from "../deps";

const TEMP = /^\.buildbtw-tmp-/;
const PACKAGE = /\.pkg\.tar(\.[a-z0-9]+)?$/;
const GIT_LOCKS = ["index.lock", "HEAD.lock", "packed-refs.lock", "shallow.lock", "config.lock", "FETCH_HEAD.lock"];

const dirs = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir).filter((n) => statSync(join(dir, n), { throwIfNoEntry: false })?.isDirectory())
    : [];

export interface Swept {
  uploads: number;
  tempFiles: string[];
  orphanedPackages: string[];
  locks: string[];
}

export function sweepLeftovers(deps: Pick<ServerDeps, "db" | "config">, uploadsDir: string): Swept {
  const swept: Swept = { uploads: 0, tempFiles: [], orphanedPackages: [], locks: [] };
  if (existsSync(uploadsDir)) {
    for (const name of readdirSync(uploadsDir)) {
      rmSync(join(uploadsDir, name), { recursive: true, force: true });
      swept.uploads++;
    }
  }
  const repos = join(deps.config.dataDir, "repos");
  for (const namespace of dirs(repos)) {
    const ns = findNamespace(deps.db, namespace);
    for (const iteration of dirs(join(repos, namespace))) {
      for (const arch of dirs(join(repos, namespace, iteration))) {
        const dir = join(repos, namespace, iteration, arch);
        const owned = new Set(
          ns && /^[1-9][0-9]*$/.test(iteration)
            ? listArtifacts(deps.db, Number(iteration), arch).map((a) => a.fileName)
            : [],
        );
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (TEMP.test(name)) {
            rmSync(path, { force: true });
            swept.tempFiles.push(path);
          } else if (PACKAGE.test(name) && !owned.has(name)) {
            rmSync(path, { force: true });
            swept.orphanedPackages.push(path);
          }
        }
      }
    }
  }
  // Only where this server runs git itself: in local mode REPOS_DIR is the packager's own checkout.
  if (deps.config.gitlab) {
    for (const repo of dirs(deps.config.reposDir)) {
      for (const gitDir of [join(deps.config.reposDir, repo, ".git"), join(deps.config.reposDir, repo)]) {
        for (const lock of GIT_LOCKS) {
          const path = join(gitDir, lock);
          if (existsSync(path)) {
            rmSync(path, { force: true });
            swept.locks.push(path);
          }
        }
      }
    }
  }
  return swept;
}
