// After a restart, the dispatches left half-created: adopt the pipeline GitLab made, or create it again.
import { getBuild } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { type DispatchRecord, getDispatch, updateDispatch } from "../../db/pipelines";
import { backoffDelay, sleep } from "../../lib/backoff";
import type { GitlabMode, ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";
import { CREATE_RETRY, createBuildPipeline } from "./create-build-pipeline";
import { hashPipelineToken, newPipelineToken } from "./pipeline-build-access";
import { lookForPipeline, recordPipeline } from "./record-pipeline";

/**
 * After a restart: a dispatch left `creating` may or may not have a pipeline in GitLab. Adopt the one
 * carrying its token; else create it again with a new token (the old one never left this process).
 */
export async function resumeCreating(
  deps: ServerDeps,
  gitlab: GitlabMode,
  dispatch: DispatchRecord,
  signal: AbortSignal,
): Promise<void> {
  const build = getBuild(deps.db, dispatch.buildId);
  const namespace = build ? getNamespaceById(deps.db, build.namespaceId) : null;
  if (!build || !namespace || build.status !== "scheduled" || namespace.status !== "active") {
    // The follower cancels the pipeline should GitLab have made it after all, then ends the dispatch.
    updateDispatch(
      deps.db,
      dispatch.id,
      {
        state: "cancelling",
        note: "abandoned at restart: the build no longer waits for it",
      },
      isoNow(deps),
    );
    deps.gitlab?.wake();
    return;
  }
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      const found = await lookForPipeline(gitlab, dispatch, null);
      if (found) {
        recordPipeline(deps, { dispatch, build, namespace }, found);
        return;
      }
      break;
    } catch (error) {
      deps.log.warn("looking up a pipeline after restart failed", {
        namespace: namespace.name,
        pkgbase: build.pkgbase,
        error: error instanceof Error ? error.message : String(error),
      });
      await sleep(backoffDelay(attempt, CREATE_RETRY), signal).catch(() => {});
    }
  }
  if (signal.aborted) return;
  const token = newPipelineToken();
  updateDispatch(deps.db, dispatch.id, { tokenHash: hashPipelineToken(token), createdAt: isoNow(deps) }, isoNow(deps));
  const fresh = getDispatch(deps.db, dispatch.id)!;
  await createBuildPipeline(deps, gitlab, { build, namespace, dispatch: fresh, token }, signal);
}
