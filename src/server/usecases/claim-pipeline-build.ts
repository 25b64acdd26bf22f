// RUN_BUILDS_ON_GITLAB (src/gitlab/README.md, GitLab mode: pipelines): a pending build becomes a pipeline on its
// package's project, on the node's branch. The first step: the dispatch is recorded (and the build marked
// scheduled) before GitLab is asked, so a pipeline is never created unrecorded.
import type { BuildRecord, NamespaceRecord } from "../../core/records";
import { getBuild } from "../../db/builds";
import { latestIterationIds } from "../../db/iterations";
import { getNamespaceById } from "../../db/namespaces";
import { type DispatchRecord, insertDispatch, setBuildPipeline } from "../../db/pipelines";
import { inTransaction } from "../../db/tx";
import { projectFullPath } from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";
import { isoNow, moveBuild } from "./build-lifecycle";
import { hashPipelineToken, newPipelineToken } from "./pipeline-build-access";

export interface PipelineClaim {
  build: BuildRecord;
  namespace: NamespaceRecord;
  dispatch: DispatchRecord;
  /** The build token, known only in memory: the database keeps its hash. */
  token: string;
}

/**
 * Pipelines run on branches or tags, not commits (src/gitlab/README.md, REST API v4): the node's ref, or the default
 * branch when the origin named a commit id. BUILDBTW_COMMIT says what to build either way.
 */
const pipelineRef = (build: BuildRecord): string => (/^[0-9a-f]{40}$/.test(build.ref) ? "main" : build.ref);

/** Take a pending, current build of an active namespace for a pipeline; null when it is not any more. */
export function claimPipelineBuild(deps: ServerDeps, gitlab: GitlabMode, buildId: number): PipelineClaim | null {
  return inTransaction(deps.db, () => {
    const build = getBuild(deps.db, buildId);
    if (build?.status !== "pending") return null;
    const namespace = getNamespaceById(deps.db, build.namespaceId);
    if (namespace?.status !== "active") return null;
    if (latestIterationIds(deps.db).get(namespace.id) !== build.iterationId) return null;
    const token = newPipelineToken();
    const attempt = build.attempts + 1;
    moveBuild(deps, build, "leased", {
      attempts: attempt,
      startedAt: isoNow(deps),
      finishedAt: null,
      failureReason: null,
    });
    setBuildPipeline(deps.db, build.id, null, isoNow(deps));
    const dispatch = insertDispatch(
      deps.db,
      {
        buildId: build.id,
        attempt,
        project: projectFullPath(gitlab.config.group, build.pkgbase),
        ref: pipelineRef(build),
        tokenHash: hashPipelineToken(token),
      },
      isoNow(deps),
    );
    return { build: { ...build, status: "scheduled", attempts: attempt }, namespace, dispatch, token };
  });
}

/** The log fields naming a claim's build. */
export const claimFields = (claim: Pick<PipelineClaim, "build" | "namespace">) => ({
  namespace: claim.namespace.name,
  iteration: claim.build.iterationId,
  pkgbase: claim.build.pkgbase,
  arch: claim.build.arch,
});
