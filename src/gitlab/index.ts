// The GitLab adapter (src/gitlab/README.md, GitLab mode): REST and GraphQL through gitbeaker with our retry policy,
// project paths, pipeline statuses, webhooks, and the package repositories cloned from the group.
export {
  type ActiveProject,
  createGitlabClient,
  type FailedJob,
  type GitlabClient,
  type GitlabSettings,
  type GroupProject,
  type Pipeline,
} from "./client";
export { GitlabQueryFailed, GitlabRefused, GitlabUnavailable } from "./errors";
export { type PipelinePhase, pipelinePhase } from "./pipeline-status";
export { pkgbaseOfProject, projectFullPath, projectPathOf } from "./project-path";
export {
  type FetchResult,
  type GitAuth,
  RepositoryFetcher,
  type RepositoryTarget,
  type SyncOutcome,
} from "./repositories";
export { ACTIVITY_MARGIN_MS, type GroupSyncResult, loadSyncState, saveSyncState, syncGroup } from "./sync";
export { type RetryEvent, type RetryPolicy, retryAfterMs } from "./transport";
export {
  type GitlabEvent,
  InvalidWebhook,
  parseWebhook,
  verifyWebhook,
  type WebhookSecrets,
} from "./webhook";
