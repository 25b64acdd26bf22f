// The GitLab adapter (design.md §9): REST and GraphQL through gitbeaker with our retry policy, project
// paths, pipeline statuses, webhooks, and the package repositories cloned from the group.
export {
  type ActiveProject,
  createGitlabClient,
  type FailedJob,
  type GitlabClient,
  type GitlabSettings,
  type GroupProject,
  isTransient,
  type Pipeline,
} from "./client";
export { GitlabQueryFailed, GitlabRefused, GitlabUnavailable, isGitlabError } from "./errors";
export { type PipelinePhase, pipelinePhase } from "./pipeline-status";
export { pkgbaseOfProject, projectPathOf } from "./project-path";
export {
  type FetchResult,
  type GitAuth,
  RepositoryFetcher,
  type RepositoryTarget,
  type SyncOutcome,
  syncRepository,
} from "./repositories";
export { ACTIVITY_MARGIN_MS, type GroupSyncResult, loadSyncState, saveSyncState, syncGroup, targetsOf } from "./sync";
export { DEFAULT_RETRY, type RetryEvent, type RetryPolicy, retryAfterMs } from "./transport";
export {
  type GitlabEvent,
  InvalidWebhook,
  parseWebhook,
  signDelivery,
  verifyWebhook,
  type WebhookSecrets,
} from "./webhook";
