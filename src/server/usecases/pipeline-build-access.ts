// The one check every call of a GitLab-dispatched build passes (routes.ts pipelineBuild*): the pipeline's
// build token works like a lease — only for its own build, and only while its dispatch is current.
import { createHash, randomBytes } from "node:crypto";
import { ACTIVE_STATUSES } from "../../core/build-states";
import { Conflict, Forbidden, NotFound } from "../../core/errors";
import type { BuildRecord } from "../../core/records";
import { getBuild } from "../../db/builds";
import { type DispatchRecord, findDispatchByTokenHash, latestDispatch } from "../../db/pipelines";
import type { ServerDeps } from "../deps";

export const newPipelineToken = (): string => `bbw_p_${randomBytes(24).toString("base64url")}`;
export const hashPipelineToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** Whether `dispatch` still speaks for `build`: it is the build's newest, and the build waits for a result. */
export function dispatchHolds(
  deps: ServerDeps,
  dispatch: DispatchRecord,
  build: BuildRecord | null,
): build is BuildRecord {
  return (
    build !== null &&
    ACTIVE_STATUSES.includes(build.status) &&
    latestDispatch(deps.db, dispatch.buildId)?.id === dispatch.id
  );
}

export function currentPipelineBuild(
  deps: ServerDeps,
  buildId: number,
  token: string,
): { build: BuildRecord; dispatch: DispatchRecord } {
  const dispatch = findDispatchByTokenHash(deps.db, hashPipelineToken(token));
  if (!dispatch) throw new Forbidden("this token is not a pipeline build token (BUILDBTW_BUILD_TOKEN of a pipeline)");
  if (dispatch.buildId !== buildId)
    throw new Forbidden(`this pipeline's token is for build ${dispatch.buildId}, not ${buildId}`);
  const build = getBuild(deps.db, buildId);
  if (!build) throw new NotFound(`no build with id ${buildId}`);
  const pipeline = dispatch.pipelineId ? `pipeline ${dispatch.pipelineId}` : "this pipeline";
  if (
    dispatch.state === "ended" ||
    dispatch.state === "cancelling" ||
    latestDispatch(deps.db, buildId)?.id !== dispatch.id
  ) {
    throw new Conflict(`${pipeline} is no longer current for build ${buildId} (cancelled, dispatched again, or ended)`);
  }
  if (build.status !== "scheduled" && build.status !== "building") {
    throw new Conflict(`build ${buildId} is ${build.status}; ${pipeline} may not change it any more`);
  }
  return { build, dispatch };
}
