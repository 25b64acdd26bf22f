// What a pipeline's executor needs to build (api/schemas.ts PipelineBuild): the lease contents without a lease.
import type { PipelineBuild } from "../../api/schemas";
import { getNamespaceById } from "../../db/namespaces";
import type { ServerDeps } from "../deps";
import { buildJob } from "./build-job";
import { currentPipelineBuild } from "./pipeline-build-access";

export function showPipelineBuild(deps: ServerDeps, buildId: number, token: string): PipelineBuild {
  const { build, dispatch } = currentPipelineBuild(deps, buildId, token);
  const ns = getNamespaceById(deps.db, build.namespaceId)!;
  return {
    ...buildJob(deps, ns, build),
    pipeline_id: dispatch.pipelineId,
    pipeline_url: dispatch.webUrl,
  };
}
