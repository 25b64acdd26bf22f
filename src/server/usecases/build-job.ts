// What any build host needs to know to build one node: shared by worker leases and GitLab pipelines.
import { repoName } from "../../api/routes";
import { expectedFiles, optionalFiles } from "../../core/build-spec";
import type { BuildRecord, NamespaceRecord } from "../../core/records";
import type { ServerDeps } from "../deps";

export const repositoryUrl = (deps: ServerDeps, namespace: string, build: { iterationId: number; arch: string }) =>
  `${deps.config.baseUrl}/repo/${namespace}/${build.iterationId}/os/${build.arch}/`;

export function buildJob(deps: ServerDeps, ns: Pick<NamespaceRecord, "name">, build: BuildRecord) {
  return {
    build_id: build.id,
    namespace: ns.name,
    iteration: build.iterationId,
    arch: build.arch,
    pkgbase: build.pkgbase,
    commit: build.commit,
    source_url: deps.catalog.sourceUrl(build.pkgbase),
    version: build.spec.version,
    bump: build.spec.bump ?? null,
    packages: build.spec.packages,
    expected_files: expectedFiles(build.spec),
    optional_files: optionalFiles(build.spec),
    repository: { name: repoName(ns.name), url: repositoryUrl(deps, ns.name, build) },
    attempt: build.attempts,
  };
}
