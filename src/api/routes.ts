// Every /api/v1 path in one place, so server, client, worker and executor cannot drift apart.
// Tokens travel as `Authorization: Bearer …` (or as Basic auth's password, for pacman). Who may call what is
// declared per route in src/server/http/access.ts: reading is open unless BUILDBTW_PUBLIC_READ=false;
// namespace changes need a packager or the namespaces:write scope; leases a bot token with the worker scope.

const enc = encodeURIComponent;

export const api = {
  // Namespaces (README.md, The API). GET is public; POST/PATCH need a packager.
  namespaces: "/api/v1/namespaces", // GET ?all=true → NamespaceList; POST CreateNamespace → 201 Namespace
  namespace: (name: string) => `/api/v1/namespaces/${enc(name)}`, // GET ?iteration=&arch= → NamespaceDetail; PATCH UpdateNamespace
  iterations: (name: string) => `/api/v1/namespaces/${enc(name)}/iterations`, // POST → 201 (retry: new iteration)
  retryNode: (name: string) => `/api/v1/namespaces/${enc(name)}/retry-node`, // POST RetryNode → 200 BuildNode
  release: (name: string) => `/api/v1/namespaces/${enc(name)}/release`, // GET ?iteration=&arch= → ReleaseCheck
  namespaceBuilds: (name: string) => `/api/v1/namespaces/${enc(name)}/builds`, // GET ?iteration=&status=&arch= → BuildList
  // Builds.
  builds: "/api/v1/builds", // GET ?status=building → BuildList (across namespaces)
  build: (id: number) => `/api/v1/builds/${id}`, // GET → BuildNode & {namespace, iteration}
  buildLog: (id: number) => `/api/v1/builds/${id}/log`, // GET ?offset=N → LogChunk (text from byte offset N)
  // Sources: check refs now instead of waiting for the periodic check (admin token).
  refresh: "/api/v1/refresh", // POST → 202
  workers: "/api/v1/workers", // GET → Workers
  // What a rebuild of some origin changesets involves, on the server's sources; public: it changes nothing.
  plan: "/api/v1/plan", // POST PlanRequest → Plan (what `buildbtw plan --json` prints)
  // Workers (worker token). A lease id, not a build id: calls for a lease that is no longer current get 409.
  lease: "/api/v1/leases", // POST LeaseRequest → 200 Lease | 204 (no work within wait_ms)
  heartbeat: (leaseId: string) => `/api/v1/leases/${enc(leaseId)}/heartbeat`, // POST → 200 Heartbeat
  leaseLog: (leaseId: string) => `/api/v1/leases/${enc(leaseId)}/log`, // POST text/plain chunk → 204
  leaseFile: (leaseId: string, file: string) => `/api/v1/leases/${enc(leaseId)}/files/${enc(file)}`, // PUT bytes → 201
  leaseResult: (leaseId: string) => `/api/v1/leases/${enc(leaseId)}/result`, // POST BuildResult → 200
  // Builds dispatched as GitLab pipelines (RUN_BUILDS_ON_GITLAB). The pipeline carries a per-build token
  // (PIPELINE_VARIABLES.token) that works like a lease: `Authorization: Bearer <it>` on these calls only,
  // only for its own build, and only while that pipeline is the build's current dispatch. Missing token 401,
  // a token of another build 403, a pipeline that is no longer current (cancelled, re-dispatched, ended) 409.
  pipelineBuilds: "/api/v1/pipeline-builds", // the base of the paths below
  pipelineBuild: (buildId: number) => `/api/v1/pipeline-builds/${buildId}`, // GET → PipelineBuild
  pipelineBuildLog: (buildId: number) => `/api/v1/pipeline-builds/${buildId}/log`, // POST text/plain chunk → 204
  pipelineBuildFile: (buildId: number, file: string) => `/api/v1/pipeline-builds/${buildId}/files/${enc(file)}`, // PUT bytes → 201 Uploaded
  pipelineBuildResult: (buildId: number) => `/api/v1/pipeline-builds/${buildId}/result`, // POST BuildResult → 200 ResultReported
  // Identity: who the caller is; tokens (personal for users, bot tokens for admins); users and the audit log (admins).
  me: "/api/v1/me", // GET → Me
  tokens: "/api/v1/tokens", // GET → {tokens}; POST CreateToken → 201 {token (shown once), …}
  token: (id: number) => `/api/v1/tokens/${id}`, // DELETE → the revoked token
  users: "/api/v1/users", // GET → {users}
  // Single sign-on for the CLI (`buildbtw auth login`); 404 when the server has none.
  auth: "/api/v1/auth", // GET → {sso, device_flow}
  authDevice: "/api/v1/auth/device", // POST → the provider's device authorization (user_code, verification_uri, …)
  authDeviceToken: "/api/v1/auth/device/token", // POST {device_code, label?} → 202 pending | 201 {token, user, role}
  authCliToken: "/api/v1/auth/cli-token", // POST {code, verifier, label?} → 201 {token} (browser flow's hand-over)
  audit: "/api/v1/audit", // GET ?limit=&before=&actor=&target=&result= → {entries}, newest first
  // GitLab push and pipeline webhooks (project or group hook), verified by X-Gitlab-Token and/or the
  // webhook-signature header; anything unverified gets 401 (no credentials) or 403 (wrong ones).
  gitlabWebhook: "/api/v1/gitlab/webhook", // POST GitLab hook body → 202
  // Operations. health: the process answers (also /healthz); ready: 200 or 503 with every check's result.
  health: "/api/v1/health", // GET → Health
  ready: "/api/v1/ready", // GET → 200|503 Readiness
  // Prometheus text format; the admin token (or a `metrics`-scoped one), or open on BUILDBTW_METRICS_LISTEN.
  metrics: "/metrics",
  // Outgoing webhooks: the newest delivery attempts, newest first (admin token).
  webhookDeliveries: "/api/v1/webhooks/deliveries", // GET → { enabled, urls, deliveries: DeliveryAttempt[] }
} as const;

/**
 * The variables every build pipeline gets (all `env_var`); the executor sees them as CUSTOM_ENV_<name>.
 * The pipeline runs on the node's branch (`ref`); `commit` is what must be built, even if the branch moved.
 */
export const PIPELINE_VARIABLES = {
  serverUrl: "BUILDBTW_SERVER_URL",
  buildId: "BUILDBTW_BUILD_ID",
  token: "BUILDBTW_BUILD_TOKEN",
  namespace: "BUILDBTW_NAMESPACE",
  iteration: "BUILDBTW_ITERATION",
  arch: "BUILDBTW_ARCH",
  pkgbase: "BUILDBTW_PKGBASE",
  commit: "BUILDBTW_COMMIT",
  /** Space-separated package file names the build must upload. */
  expectedFiles: "BUILDBTW_EXPECTED_FILES",
  /** The namespace iteration's pacman repository for this architecture (dependencies come from it). */
  repositoryUrl: "BUILDBTW_REPOSITORY_URL",
} as const;

/**
 * Pacman repository paths (README.md, Architecture: pacman repositories): `iteration` is an iteration id or "latest".
 */
export const repoPath = (namespace: string, iteration: number | "latest", arch: string) =>
  `/repo/${enc(namespace)}/${iteration}/os/${enc(arch)}/`;
export const repoName = (namespace: string) => `buildbtw-${namespace}`;

/**
 * The pacman.conf section for a namespace's repository, as `show`, the web UI and `new` print it (README.md,
 * Architecture: pacman repositories).
 */
export const pacmanConfSection = (serverUrl: string, namespace: string, iteration: number | "latest") =>
  [
    `[${repoName(namespace)}]`,
    "SigLevel = Optional TrustAll",
    `Server = ${serverUrl}/repo/${namespace}/${iteration}/os/$arch`,
  ].join("\n");
