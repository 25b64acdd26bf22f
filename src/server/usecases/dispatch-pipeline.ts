// RUN_BUILDS_ON_GITLAB (src/gitlab/README.md, GitLab mode: pipelines): a pending build becomes a pipeline on its
// package's project, on the node's branch, with variables naming what to build. The dispatch is recorded (and the build
// marked scheduled) before GitLab is asked, so a pipeline is never created unrecorded; an ambiguous failure is checked
// against GitLab before the create is repeated, and a GitLab outage only delays the build.
import { PIPELINE_VARIABLES } from "../../api/routes";
import { expectedFiles } from "../../core/build-spec";
import type { BuildRecord, NamespaceRecord } from "../../core/records";
import { getBuild } from "../../db/builds";
import { latestIterationIds } from "../../db/iterations";
import { getNamespaceById } from "../../db/namespaces";
import {
  type DispatchRecord,
  getDispatch,
  insertDispatch,
  latestDispatch,
  setBuildPipeline,
  updateDispatch,
} from "../../db/pipelines";
import { inTransaction } from "../../db/tx";
import { GitlabRefused, GitlabUnavailable, type Pipeline, projectFullPath } from "../../gitlab";
import { backoffDelay, sleep } from "../../lib/backoff";
import type { GitlabMode, ServerDeps } from "../deps";
import { repositoryUrl } from "./build-job";
import { isoNow, moveBuild } from "./build-lifecycle";
import { dispatchHolds, hashPipelineToken, newPipelineToken } from "./pipeline-build-access";

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
    const dispatch = insertDispatch(deps.db, {
      buildId: build.id,
      attempt,
      project: projectFullPath(gitlab.config.group, build.pkgbase),
      ref: pipelineRef(build),
      tokenHash: hashPipelineToken(token),
    });
    return { build: { ...build, status: "scheduled", attempts: attempt }, namespace, dispatch, token };
  });
}

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

/** The log fields naming a claim's build. */
export const claimFields = (claim: Pick<PipelineClaim, "build" | "namespace">) => ({
  namespace: claim.namespace.name,
  iteration: claim.build.iterationId,
  pkgbase: claim.build.pkgbase,
  arch: claim.build.arch,
});

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
    const delayMs = failure instanceof GitlabRefused ? 60_000 : (failure.retryAfterMs ?? backoffDelay(attempt, RETRY));
    deps.log.warn("pipeline creation delayed", {
      ...claimFields(claim),
      reason: failure.message,
      retry_in_ms: delayMs,
    });
    updateDispatch(deps.db, claim.dispatch.id, { note: failure.message }, isoNow(deps));
    await sleep(delayMs, signal).catch(() => {});
  }
}

const RETRY = { initialMs: 2_000, maxMs: 60_000, factor: 2, maxAttempts: Number.POSITIVE_INFINITY };

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
      await sleep(backoffDelay(attempt, RETRY), signal).catch(() => {});
    }
  }
  if (signal.aborted) return;
  const token = newPipelineToken();
  updateDispatch(deps.db, dispatch.id, { tokenHash: hashPipelineToken(token), createdAt: isoNow(deps) }, isoNow(deps));
  const fresh = getDispatch(deps.db, dispatch.id)!;
  await createBuildPipeline(deps, gitlab, { build, namespace, dispatch: fresh, token }, signal);
}
