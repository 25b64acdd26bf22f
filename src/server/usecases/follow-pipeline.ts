// Following a dispatched pipeline (src/gitlab/README.md, GitLab mode: following): its GitLab status becomes the build's
// status. Waiting keeps the build scheduled, running makes it building, success makes it built once every expected
// package was uploaded (else failed, saying which are missing), failed/canceled/skipped fail it. A result the executor
// already reported wins: the pipeline's end then only closes the dispatch.
import { Conflict } from "../../core/errors";
import type { BuildRecord } from "../../core/records";
import { getBuild } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { type DispatchRecord, getDispatch, updateDispatch } from "../../db/pipelines";
import { inTransaction } from "../../db/tx";
import { type Pipeline, pipelinePhase } from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";
import { isoNow, markBuilding } from "./build-lifecycle";
import { dispatchHolds } from "./pipeline-build-access";
import { lookForPipeline } from "./record-pipeline";
import { recordResult } from "./report-result";

/** The build, if this dispatch is still its current one and it is still waiting for a result. */
function currentFor(deps: ServerDeps, dispatchId: number): BuildRecord {
  const d = getDispatch(deps.db, dispatchId);
  const build = d ? getBuild(deps.db, d.buildId) : null;
  if (d?.state !== "following" || !dispatchHolds(deps, d, build))
    throw new Conflict("the dispatch no longer speaks for its build");
  return build;
}

async function failureReason(gitlab: GitlabMode, d: DispatchRecord, pipeline: Pipeline): Promise<string> {
  const phase = pipelinePhase(pipeline.status);
  if (phase === "cancelled") return `GitLab pipeline ${pipeline.id} was canceled (${pipeline.webUrl})`;
  if (phase === "skipped") return `GitLab pipeline ${pipeline.id} was skipped (${pipeline.webUrl})`;
  // Name the failed job and GitLab's failure reason when GitLab tells; the pipeline alone otherwise.
  const jobs = await gitlab.client.failedJobs(d.projectId ?? d.project, pipeline.id).catch(() => []);
  const job = jobs[0];
  const detail = job ? `: job ${job.name} failed${job.failureReason ? ` (${job.failureReason})` : ""}` : "";
  return `GitLab pipeline ${pipeline.id} failed${detail} (${pipeline.webUrl})`;
}

/** Apply a pipeline's status to its dispatch and build. */
export async function applyPipeline(
  deps: ServerDeps,
  gitlab: GitlabMode,
  dispatch: DispatchRecord,
  pipeline: Pipeline,
): Promise<void> {
  const phase = pipelinePhase(pipeline.status);
  const build = getBuild(deps.db, dispatch.buildId);
  const ns = build ? getNamespaceById(deps.db, build.namespaceId) : null;
  const fields = {
    namespace: ns?.name,
    iteration: build?.iterationId,
    pkgbase: build?.pkgbase,
    arch: build?.arch,
    pipeline: pipeline.id,
    status: pipeline.status,
  };
  if (dispatch.gitlabStatus !== pipeline.status) deps.log.info("pipeline status", fields);

  if (phase === "waiting" || phase === "running") {
    const started = inTransaction(deps.db, () => {
      if (dispatch.gitlabStatus !== pipeline.status)
        updateDispatch(deps.db, dispatch.id, { gitlabStatus: pipeline.status }, isoNow(deps));
      if (phase !== "running") return null;
      try {
        return markBuilding(deps, currentFor(deps, dispatch.id));
      } catch (error) {
        if (error instanceof Conflict) return null;
        throw error;
      }
    });
    started?.announce();
    return;
  }

  const who = { pipeline: pipeline.id };
  let note: string;
  if (phase === "succeeded") {
    note = `GitLab pipeline ${pipeline.id} succeeded`;
    try {
      await recordResult(deps, () => currentFor(deps, dispatch.id), { status: "built" }, who);
    } catch (error) {
      if (!(error instanceof Conflict)) {
        // Succeeded without uploading every package: the build did not produce what it must.
        note = `GitLab pipeline ${pipeline.id} succeeded, but ${error instanceof Error ? error.message : error}`;
        await tryFail(deps, dispatch, note, who);
      }
    }
  } else {
    note = await failureReason(gitlab, dispatch, pipeline);
    await tryFail(deps, dispatch, note, who);
  }
  updateDispatch(deps.db, dispatch.id, { state: "ended", gitlabStatus: pipeline.status, note }, isoNow(deps));
  gitlab.wake();
}

async function tryFail(
  deps: ServerDeps,
  dispatch: DispatchRecord,
  reason: string,
  who: Record<string, unknown>,
): Promise<void> {
  try {
    await recordResult(deps, () => currentFor(deps, dispatch.id), { status: "failed", reason }, who);
  } catch (error) {
    if (!(error instanceof Conflict)) throw error;
  }
}

/** Ask GitLab about one followed dispatch and apply the answer; cancel the ones marked cancelling. */
export async function checkDispatch(deps: ServerDeps, gitlab: GitlabMode, dispatch: DispatchRecord): Promise<void> {
  const project = dispatch.projectId ?? dispatch.project;
  if (dispatch.state === "cancelling") {
    // Left half-created by an earlier process: cancel the pipeline if GitLab made it after all.
    const pipelineId = dispatch.pipelineId ?? (await lookForPipeline(gitlab, dispatch, null))?.id ?? null;
    if (pipelineId === null) {
      updateDispatch(
        deps.db,
        dispatch.id,
        {
          state: "ended",
          note: dispatch.note ?? "cancelled before GitLab created it",
        },
        isoNow(deps),
      );
      return;
    }
    const pipeline = await gitlab.client.cancelPipeline(project, pipelineId);
    updateDispatch(
      deps.db,
      dispatch.id,
      {
        state: "ended",
        gitlabStatus: pipeline.status,
        note: dispatch.note ?? "cancelled",
      },
      isoNow(deps),
    );
    deps.log.info("pipeline cancelled", { pipeline: pipelineId, status: pipeline.status, reason: dispatch.note });
    return;
  }
  if (dispatch.pipelineId === null) return;
  const pipeline = await gitlab.client.getPipeline(project, dispatch.pipelineId);
  await applyPipeline(deps, gitlab, dispatch, pipeline);
}

/** GitLab no longer knows the pipeline (deleted): the dispatch ends, and a build still waiting on it fails. */
export function abandonDispatch(deps: ServerDeps, gitlab: GitlabMode, dispatch: DispatchRecord, reason: string): void {
  if (dispatch.state === "following") tryFail(deps, dispatch, reason, { pipeline: dispatch.pipelineId });
  updateDispatch(deps.db, dispatch.id, { state: "ended", note: reason }, isoNow(deps));
  deps.log.warn("pipeline gone from GitLab", { pipeline: dispatch.pipelineId, reason });
  gitlab.wake();
}
