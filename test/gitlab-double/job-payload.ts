// What GitLab hands gitlab-runner for a pipeline's job (JOB_RESPONSE_FILE): the predefined CI variables, the
// pipeline's own variables, the git and runner info, in the shape the runner reads (src/gitlab/README.md,
// Runner: the custom executor).
import type { DoublePipeline, DoubleProject } from "./model";

export function jobPayload(
  base: string,
  group: string,
  groupIds: ReadonlyMap<string, number>,
  project: DoubleProject,
  p: DoublePipeline,
) {
  const job = p.jobs[0]!;
  const slug = project.fullPath
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
  const predefined: Record<string, string> = {
    CI: "true",
    GITLAB_CI: "true",
    CI_SERVER_URL: base,
    CI_JOB_ID: String(job.id),
    CI_JOB_NAME: job.name,
    CI_JOB_STAGE: job.stage,
    CI_JOB_TOKEN: job.token,
    CI_PIPELINE_ID: String(p.id),
    CI_PIPELINE_IID: String(p.iid),
    CI_PIPELINE_SOURCE: p.source,
    CI_PROJECT_ID: String(project.id),
    CI_PROJECT_NAME: project.path,
    CI_PROJECT_TITLE: project.name,
    CI_PROJECT_PATH: project.fullPath,
    CI_PROJECT_PATH_SLUG: slug,
    CI_PROJECT_NAMESPACE: group,
    CI_PROJECT_URL: `${base}/${project.fullPath}`,
    CI_REPOSITORY_URL: `${base.replace("://", `://gitlab-ci-token:${job.token}@`)}/${project.fullPath}.git`,
    CI_COMMIT_SHA: p.sha,
    CI_COMMIT_BEFORE_SHA: p.beforeSha,
    CI_COMMIT_REF_NAME: p.ref,
    CI_COMMIT_BRANCH: p.ref,
    CI_DEFAULT_BRANCH: project.defaultBranch,
  };
  const variables = [
    ...Object.entries(predefined).map(([key, value]) => ({
      key,
      value,
      public: true,
      file: false,
      masked: false,
      raw: false,
    })),
    ...p.variables.map((v) => ({
      key: v.key,
      value: v.value,
      public: false,
      file: v.variable_type === "file",
      masked: false,
      raw: false,
    })),
  ];
  return {
    id: job.id,
    token: job.token,
    allow_git_fetch: true,
    job_info: {
      id: job.id,
      name: job.name,
      stage: job.stage,
      pipeline_id: p.id,
      project_id: project.id,
      project_name: project.path,
      project_full_path: project.fullPath,
      namespace_id: groupIds.get(group),
      root_namespace_id: 10,
      organization_id: 1,
    },
    git_info: {
      repo_url: predefined.CI_REPOSITORY_URL,
      repo_object_format: "sha1",
      ref: p.ref,
      sha: p.sha,
      before_sha: p.beforeSha,
      ref_type: "branch",
      refspecs: [`+refs/heads/${p.ref}:refs/remotes/origin/${p.ref}`],
      depth: 20,
      protected: false,
    },
    runner_info: { timeout: 3600 },
    inputs: [],
    variables,
    steps: [{ name: "script", script: ["buildbtw-build"], timeout: 3600, when: "on_success", allow_failure: false }],
    image: { name: "" },
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: { trace_sections: true },
  };
}
