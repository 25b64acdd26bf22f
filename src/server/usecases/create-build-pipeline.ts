// RUN_BUILDS_ON_GITLAB (src/gitlab/README.md, GitLab mode: pipelines): create a claimed build's pipeline, with
// variables naming what to build. An ambiguous failure is checked against GitLab before the create is repeated,
// and a GitLab outage only delays the build; GitLab refusing it fails the build with GitLab's sentence.
import { PIPELINE_VARIABLES } from "../../api/routes";
import { expectedFiles } from "../../core/build-spec";
import { getBuild } from "../../db/builds";
import { getDispatch, updateDispatch } from "../../db/pipelines";
import { inTransaction } from "../../db/tx";
import { GitlabRefused, GitlabUnavailable } from "../../gitlab";
import { backoffDelay, sleep } from "../../lib/backoff";
import type { GitlabMode, ServerDeps } from "../deps";
import { repositoryUrl } from "./build-job";
import { isoNow, moveBuild } from "./build-lifecycle";
import { claimFields, type PipelineClaim } from "./claim-pipeline-build";
import { dispatchHolds } from "./pipeline-build-access";
import { lookForPipeline, recordPipeline } from "./record-pipeline";

/** The CI variables the pipeline's job reads: what to build, and where and with which token to report. */
export function pipelineVariables(deps: ServerDeps, claim: PipelineClaim): Record<string, string> {
  const { build, namespace, token } = claim;
  const V = PIPELINE_VARIABLES;
  return {
    [V.serverUrl]: deps.config.baseUrl,
    [V.buildId]: String(build.id),
    [V.token]: token,
    [V.namespace]: namespace.name,
    [V.iteration]: String(build.iterationId),
    [V.arch]: build.arch,
    [V.pkgbase]: build.pkgbase,
    [V.commit]: build.commit,
    [V.expectedFiles]: expectedFiles(build.spec).join(" "),
    [V.repositoryUrl]: repositoryUrl(deps, namespace.name, build),
  };
}

// Refusals that time (or an administrator) will lift, so the build waits instead of failing: GitLab's
// pipeline-creation throttle is a 400, not a 429 (src/gitlab/README.md, REST API v4); 401/403 say the token is wrong or
// lacks a right, which is our configuration, not the build's fault.
const isPassing = (e: GitlabRefused) =>
  e.status === 401 || e.status === 403 || (e.status === 400 && /too many pipelines/i.test(e.description));

/**
 * Create the claim's pipeline and record it. GitLab refusing it (no CI config, unknown ref, no permission)
 * fails the build with GitLab's sentence; GitLab being away only delays it. Returns when recorded, failed,
 * given up because the namespace was cancelled meanwhile, or aborted.
 */
export async function createBuildPipeline(
  deps: ServerDeps,
  gitlab: GitlabMode,
  claim: PipelineClaim,
  signal: AbortSignal,
): Promise<void> {
  const variables = pipelineVariables(deps, claim);
  const { project, ref } = claim.dispatch;
  // After an ambiguous failure GitLab may have the pipeline already: find out before creating again,
  // and if GitLab cannot even be asked, wait and ask again rather than risk a second pipeline.
  let mustLook = false;
  for (let attempt = 1; !signal.aborted; attempt++) {
    if (attempt > 1 && getDispatch(deps.db, claim.dispatch.id)?.state !== "creating") {
      // Cancelled while we waited: the follower cancels the pipeline should GitLab have made it after all.
      deps.log.info("pipeline creation abandoned", { ...claimFields(claim), reason: "the dispatch was cancelled" });
      deps.gitlab?.wake();
      return;
    }
    let failure: GitlabUnavailable | GitlabRefused;
    try {
      if (mustLook) {
        const found = await lookForPipeline(gitlab, claim.dispatch, claim.token);
        if (found) {
          recordPipeline(deps, claim, found);
          return;
        }
        mustLook = false;
      }
      const pipeline = await gitlab.client.createPipeline(project, ref, variables);
      recordPipeline(deps, claim, pipeline);
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof GitlabRefused && !isPassing(error)) {
        failDispatch(deps, claim, `GitLab refused to create a pipeline for ${project} at ${ref}: ${error.description}`);
        return;
      }
      if (!(error instanceof GitlabRefused) && !(error instanceof GitlabUnavailable)) {
        deps.log.error("pipeline creation failed", { ...claimFields(claim), error: String(error) });
        failDispatch(deps, claim, `creating the pipeline failed: ${error instanceof Error ? error.message : error}`);
        return;
      }
      failure = error;
      if (failure instanceof GitlabUnavailable && failure.ambiguous) mustLook = true;
    }
    const delayMs =
      failure instanceof GitlabRefused ? 60_000 : (failure.retryAfterMs ?? backoffDelay(attempt, CREATE_RETRY));
    deps.log.warn("pipeline creation delayed", {
      ...claimFields(claim),
      reason: failure.message,
      retry_in_ms: delayMs,
    });
    updateDispatch(deps.db, claim.dispatch.id, { note: failure.message }, isoNow(deps));
    await sleep(delayMs, signal).catch(() => {});
  }
}

/** How often GitLab is asked again while it is away. */
export const CREATE_RETRY = { initialMs: 2_000, maxMs: 60_000, factor: 2, maxAttempts: Number.POSITIVE_INFINITY };

/** GitLab will not create this pipeline: the build fails with GitLab's reason. */
function failDispatch(deps: ServerDeps, claim: PipelineClaim, reason: string): void {
  const failed = inTransaction(deps.db, () => {
    updateDispatch(deps.db, claim.dispatch.id, { state: "ended", note: reason }, isoNow(deps));
    const build = getBuild(deps.db, claim.build.id);
    if (!dispatchHolds(deps, claim.dispatch, build)) return false;
    moveBuild(deps, build, "failed", { finishedAt: isoNow(deps), failureReason: reason });
    return true;
  });
  deps.log.warn("pipeline not created", { ...claimFields(claim), reason });
  if (failed) {
    deps.events.emit({
      type: "build",
      namespaceId: claim.build.namespaceId,
      iterationId: claim.build.iterationId,
      buildId: claim.build.id,
      status: "failed",
    });
  }
  deps.gitlab?.wake();
}
