// The job payload GitLab hands a runner (src/gitlab/README.md, Runner: the custom executor), in the parts the
// harness uses, and a builder that makes one from a pipeline the way GitLab would for a one-job pipeline.

export interface JobVariable {
  key: string;
  value: string;
  public: boolean;
  file: boolean;
  masked: boolean;
  raw: boolean;
}

export interface JobStep {
  name: "script" | "after_script";
  script: string[];
  timeout: number;
  when: "on_success" | "always";
  allow_failure: boolean;
}

export interface JobPayload {
  id: number;
  token: string;
  allow_git_fetch: boolean;
  job_info: {
    name: string;
    stage: string;
    pipeline_id: number;
    project_id: number;
    project_name: string;
    project_full_path: string;
  };
  git_info: {
    repo_url: string;
    ref: string;
    sha: string;
    before_sha: string;
    ref_type: "branch" | "tag";
    depth: number;
  };
  runner_info: { timeout: number };
  variables: JobVariable[];
  steps: JobStep[];
  cache: { key: string; paths: string[] }[];
  artifacts: { name: string; paths: string[]; when: "on_success" | "on_failure" | "always" }[];
  dependencies: { id: number; name: string }[];
}

export interface PipelineJobOptions {
  jobId: number;
  pipelineId: number;
  projectId: number;
  /** e.g. archlinux/packaging/packages/zlib */
  projectPath: string;
  /** Where get_sources clones from (a git smart-HTTP URL, or a local path). */
  repoUrl: string;
  ref: string;
  sha: string;
  /** The pipeline's variables (POST /projects/:id/pipeline `variables`). */
  variables: Record<string, string>;
  /** The job's `script:` lines (default: one echo). */
  script?: string[];
  afterScript?: string[];
  cache?: JobPayload["cache"];
  artifacts?: JobPayload["artifacts"];
  /** GIT_DEPTH (default 20, GitLab's default for new projects); 0 clones everything. */
  depth?: number;
  /** The job's timeout in seconds (default 3600). */
  timeoutS?: number;
  serverUrl?: string;
}

const variable = (key: string, value: string, pub = true): JobVariable => ({
  key,
  value,
  public: pub,
  file: false,
  masked: false,
  raw: false,
});

/** `CI_PROJECT_PATH_SLUG`: lower-cased, everything outside a-z0-9 → `-`, at most 63 bytes, no `-` at the ends. */
export const pathSlug = (path: string): string =>
  path
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");

/** A job payload for a pipeline with one job, with GitLab's predefined variables in front of the pipeline's. */
export function pipelineJob(o: PipelineJobOptions): JobPayload {
  const serverUrl = o.serverUrl ?? "http://gitlab.test";
  const token = `job-token-${o.jobId}`;
  const name = o.projectPath.split("/").pop() ?? o.projectPath;
  const predefined: JobVariable[] = [
    variable("CI", "true"),
    variable("GITLAB_CI", "true"),
    variable("CI_SERVER_URL", serverUrl),
    variable("CI_JOB_ID", String(o.jobId)),
    variable("CI_JOB_NAME", "build"),
    variable("CI_JOB_STAGE", "build"),
    variable("CI_JOB_TOKEN", token, false),
    variable("CI_PIPELINE_ID", String(o.pipelineId)),
    variable("CI_PIPELINE_SOURCE", "api"),
    variable("CI_PROJECT_ID", String(o.projectId)),
    variable("CI_PROJECT_NAME", name),
    variable("CI_PROJECT_PATH", o.projectPath),
    variable("CI_PROJECT_PATH_SLUG", pathSlug(o.projectPath)),
    variable("CI_REPOSITORY_URL", o.repoUrl, false),
    variable("CI_COMMIT_SHA", o.sha),
    variable("CI_COMMIT_SHORT_SHA", o.sha.slice(0, 8)),
    variable("CI_COMMIT_REF_NAME", o.ref),
    variable("CI_COMMIT_BRANCH", o.ref),
    variable("GIT_DEPTH", String(o.depth ?? 20)),
  ];
  return {
    id: o.jobId,
    token,
    allow_git_fetch: true,
    job_info: {
      name: "build",
      stage: "build",
      pipeline_id: o.pipelineId,
      project_id: o.projectId,
      project_name: name,
      project_full_path: o.projectPath,
    },
    git_info: {
      repo_url: o.repoUrl,
      ref: o.ref,
      sha: o.sha,
      before_sha: "0000000000000000000000000000000000000000",
      ref_type: "branch",
      depth: o.depth ?? 20,
    },
    runner_info: { timeout: o.timeoutS ?? 3600 },
    variables: [...predefined, ...Object.entries(o.variables).map(([k, v]) => variable(k, v))],
    steps: [
      {
        name: "script",
        script: o.script ?? ['echo "buildbtw builds this package with its executor"'],
        timeout: o.timeoutS ?? 3600,
        when: "on_success",
        allow_failure: false,
      },
      ...(o.afterScript
        ? [
            {
              name: "after_script" as const,
              script: o.afterScript,
              timeout: 300,
              when: "always" as const,
              allow_failure: true,
            },
          ]
        : []),
    ],
    cache: o.cache ?? [],
    artifacts: o.artifacts ?? [],
    dependencies: [],
  };
}
