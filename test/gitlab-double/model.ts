// The double's state: projects, pipelines with their jobs, hooks, faults, and GitLab's pipeline statuses.

export type TokenScope = "api" | "read_api";

export interface DoubleOptions {
  /** Full path of the packages group (default archlinux/packaging/packages). */
  group?: string;
  /** Personal access tokens and their scope (default: one `api` token). */
  tokens?: Record<string, TokenScope>;
  /**
   * GitLab bumps last_activity_at at most this often (src/gitlab/README.md, GraphQL: an hour). Default 0: every push.
   */
  activityCoalesceMs?: number;
}

export interface DoubleProject {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  defaultBranch: string;
  ciConfigPath: string;
  archived: boolean;
  createdAt: string;
  lastActivityAt: string;
  updatedAt: string;
  repoDir: string;
}

export interface DoubleJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  token: string;
  failureReason: string | null;
  log: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface DoubleVariable {
  key: string;
  value: string;
  variable_type: "env_var" | "file";
}

export interface DoublePipeline {
  id: number;
  iid: number;
  projectId: number;
  project: string;
  ref: string;
  sha: string;
  beforeSha: string;
  status: string;
  source: string;
  variables: DoubleVariable[];
  jobs: DoubleJob[];
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  webUrl: string;
}

export interface Hook {
  url: string;
  token?: string;
  /** `whsec_<base64>`: deliveries are signed (webhook-id, webhook-timestamp, webhook-signature). */
  signingToken?: string;
  pushEvents?: boolean;
  pipelineEvents?: boolean;
}

export interface Fault {
  kind: "rate" | "fail";
  count: number;
  match: RegExp;
  status: number;
  retryAfterS?: number;
  style?: "rack" | "app";
  afterHandling?: boolean;
}

export const STATUSES = new Set([
  "created",
  "waiting_for_resource",
  "preparing",
  "waiting_for_callback",
  "pending",
  "running",
  "success",
  "failed",
  "canceling",
  "canceled",
  "skipped",
  "manual",
  "scheduled",
]);
export const COMPLETED = new Set(["success", "failed", "canceled", "skipped"]);
