// A pipeline GitLab made for a dispatch: found again by the token it carries (after an ambiguous failure or a
// restart), and recorded on the dispatch and its build.
import { PIPELINE_VARIABLES } from "../../api/routes";
import { type DispatchRecord, getDispatch, latestDispatch, setBuildPipeline, updateDispatch } from "../../db/pipelines";
import { inTransaction } from "../../db/tx";
import type { Pipeline } from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";
import { claimFields, type PipelineClaim } from "./claim-pipeline-build";
import { hashPipelineToken } from "./pipeline-build-access";

/** A pipeline GitLab created for this dispatch, found by the hash of the token it carries. */
export function lookForPipeline(
  gitlab: GitlabMode,
  dispatch: DispatchRecord,
  token: string | null,
): Promise<Pipeline | null> {
  const tokenHash = token ? hashPipelineToken(token) : dispatch.tokenHash;
  return gitlab.client.findPipeline(dispatch.project, {
    ref: dispatch.ref,
    since: new Date(dispatch.createdAt),
    key: PIPELINE_VARIABLES.token,
    match: (value) => hashPipelineToken(value) === tokenHash,
  });
}

/** The pipeline exists: store its id and URL (shown in UI and CLI) before anything depends on it. */
export function recordPipeline(
  deps: ServerDeps,
  claim: Pick<PipelineClaim, "dispatch" | "build" | "namespace">,
  pipeline: Pipeline,
): void {
  const recorded = inTransaction(deps.db, () => {
    const d = getDispatch(deps.db, claim.dispatch.id);
    if (!d) return false;
    const state = d.state === "creating" ? "following" : d.state;
    updateDispatch(
      deps.db,
      d.id,
      {
        state,
        projectId: pipeline.projectId,
        pipelineId: pipeline.id,
        webUrl: pipeline.webUrl,
        gitlabStatus: pipeline.status,
        note: null,
      },
      isoNow(deps),
    );
    if (state === "following" && latestDispatch(deps.db, d.buildId)?.id === d.id) {
      setBuildPipeline(deps.db, d.buildId, { id: pipeline.id, url: pipeline.webUrl }, isoNow(deps));
    }
    return state === "following";
  });
  deps.log.info("pipeline created", {
    ...claimFields(claim),
    pipeline: pipeline.id,
    url: pipeline.webUrl,
    ...(recorded ? {} : { note: "the namespace was cancelled meanwhile; the pipeline will be cancelled" }),
  });
  deps.events.emit({
    type: "build",
    namespaceId: claim.build.namespaceId,
    iterationId: claim.build.iterationId,
    buildId: claim.build.id,
    status: "scheduled",
  });
  deps.gitlab?.wake();
}
