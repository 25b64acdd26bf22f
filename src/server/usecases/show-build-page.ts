// The build page's read model: the build as the API shows it (builds.ts), its packages with sizes and
// download paths, and the tail of its log.
import { repoPath } from "../../api/routes";
import { listBuildArtifacts } from "../../db/artifacts";
import type { ServerDeps } from "../deps";
import { showBuild } from "./builds";

/** A page shows at most this much of a log; the whole log is one link away. */
export const LOG_TAIL_BYTES = 512 * 1024;

export interface BuildPage {
  build: ReturnType<typeof showBuild>;
  artifacts: { fileName: string; size: number; href: string }[];
  log: { text: string; from: number; end: number };
}

export function showBuildPage(deps: ServerDeps, id: number): BuildPage {
  const build = showBuild(deps, id);
  const from = Math.max(0, deps.logs.length(id) - LOG_TAIL_BYTES);
  const { text, end } = deps.logs.read(id, from, LOG_TAIL_BYTES);
  return {
    build,
    artifacts: artifactsOf(deps, build),
    log: { text, from, end },
  };
}

export function artifactsOf(
  deps: ServerDeps,
  build: { id: number; namespace: string; iteration: number; arch: string },
) {
  // Staged uploads (the build has not reported built) are not in the repository: nothing to link to.
  return listBuildArtifacts(deps.db, build.id)
    .filter((a) => !a.staged)
    .map((a) => ({
      fileName: a.fileName,
      size: a.size,
      href: `${repoPath(build.namespace, build.iteration, build.arch)}${encodeURIComponent(a.fileName)}`,
    }));
}
