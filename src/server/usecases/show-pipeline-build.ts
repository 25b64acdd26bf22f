// What a pipeline's executor needs to build (api/schemas.ts PipelineBuild): the lease contents without a lease.
import { repoName } from "../../api/routes";
import type { PipelineBuild } from "../../api/schemas";
import { expectedFiles } from "../../core/build-spec";
import { getNamespaceById } from "../../db/namespaces";
import type { ServerDeps } from "../deps";
import { currentPipelineBuild } from "./pipeline-build-access";

export function showPipelineBuild(deps: ServerDeps, buildId: number, token: string): PipelineBuild {
  const { build, dispatch } = currentPipelineBuild(deps, buildId, token);
  const ns = getNamespaceById(deps.db, build.namespaceId)!;
  return {
    build_id: build.id,
    namespace: ns.name,
    iteration: build.iterationId,
    arch: build.arch,
    pkgbase: build.pkgbase,
    commit: build.commit,
    source_url: deps.catalog.sourceUrl(build.pkgbase),
    version: build.spec.version,
    packages: build.spec.packages,
    expected_files: expectedFiles(build.spec),
    repository: { name: repoName(ns.name), url: repositoryUrl(deps, ns.name, build) },
    attempt: build.attempts,
    pipeline_id: dispatch.pipelineId,
    pipeline_url: dispatch.webUrl,
  };
}

export const repositoryUrl = (deps: ServerDeps, namespace: string, build: { iterationId: number; arch: string }) =>
  `${deps.config.baseUrl}/repo/${namespace}/${build.iterationId}/os/${build.arch}/`;
