// Every /api/v1 path in one place, so server, client, worker and executor cannot drift apart.
// Tokens travel as `Authorization: Bearer …`: the admin token for namespace operations, worker tokens for leases.

const enc = encodeURIComponent;

export const api = {
  // Namespaces (design.md §10). GET is public; POST/PATCH need the admin token.
  namespaces: "/api/v1/namespaces", // GET ?all=true → NamespaceList; POST CreateNamespace → 201 Namespace
  namespace: (name: string) => `/api/v1/namespaces/${enc(name)}`, // GET ?iteration=&arch= → NamespaceDetail; PATCH UpdateNamespace
  iterations: (name: string) => `/api/v1/namespaces/${enc(name)}/iterations`, // POST → 201 (retry: new iteration)
  retryNode: (name: string) => `/api/v1/namespaces/${enc(name)}/retry-node`, // POST RetryNode → 200 BuildNode
  namespaceBuilds: (name: string) => `/api/v1/namespaces/${enc(name)}/builds`, // GET ?iteration=&status=&arch= → BuildList
  // Builds.
  builds: "/api/v1/builds", // GET ?status=building → BuildList (across namespaces)
  build: (id: number) => `/api/v1/builds/${id}`, // GET → BuildNode & {namespace, iteration}
  buildLog: (id: number) => `/api/v1/builds/${id}/log`, // GET ?offset=N → LogChunk (text from byte offset N)
  // Sources: check refs now instead of waiting for the periodic check (admin token).
  refresh: "/api/v1/refresh", // POST → 202
  workers: "/api/v1/workers", // GET → Workers
  // Workers (worker token). A lease id, not a build id: calls for a lease that is no longer current get 409.
  lease: "/api/v1/leases", // POST LeaseRequest → 200 Lease | 204 (no work within wait_ms)
  heartbeat: (leaseId: string) => `/api/v1/leases/${enc(leaseId)}/heartbeat`, // POST → 200 Heartbeat
  leaseLog: (leaseId: string) => `/api/v1/leases/${enc(leaseId)}/log`, // POST text/plain chunk → 204
  leaseFile: (leaseId: string, file: string) => `/api/v1/leases/${enc(leaseId)}/files/${enc(file)}`, // PUT bytes → 201
  leaseResult: (leaseId: string) => `/api/v1/leases/${enc(leaseId)}/result`, // POST BuildResult → 200
} as const;

/** Pacman repository paths (design.md §8): `iteration` is an iteration id or "latest". */
export const repoPath = (namespace: string, iteration: number | "latest", arch: string) =>
  `/repo/${enc(namespace)}/${iteration}/os/${enc(arch)}/`;
export const repoName = (namespace: string) => `buildbtw-${namespace}`;
