// The typed client of /api/v1 (api/routes.ts), shared by the worker, the executor and the client commands.
// Answers are parsed with api/schemas.ts; HTTP errors become core/errors carrying the server's sentence,
// so each edge (command exit code, worker backoff) translates them once.
import { createFetch, FetchError } from "ofetch";
import type { z } from "zod";
import { api } from "../api/routes";
import {
  AuditList,
  BuildList,
  type BuildResult,
  type CreateNamespace,
  ErrorBody,
  Heartbeat,
  Iteration,
  Lease,
  type LeaseRequest,
  LogChunk,
  Me,
  Namespace,
  NamespaceDetail,
  NamespaceList,
  PipelineBuild,
  Plan,
  type PlanRequest,
  ReleaseCheck,
  type RetryNamespace,
  type RetryNode,
  type UpdateNamespace,
  Workers,
} from "../api/schemas";
import type { BuildStatus } from "../core/build-states";
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from "../core/errors";
import { ServerError, ServerUnreachable, UnexpectedResponse } from "./errors";

const BuildDetail = BuildList.shape.builds.element;

export type NamespaceListBody = z.infer<typeof NamespaceList>;
export type BuildListBody = z.infer<typeof BuildList>;
export type BuildDetailBody = z.infer<typeof BuildDetail>;
export type LogChunkBody = z.infer<typeof LogChunk>;
export type WorkersBody = z.infer<typeof Workers>;
export type HeartbeatBody = z.infer<typeof Heartbeat>;
// retry-node answers with the build as GET /api/v1/builds/ID shows it: the node plus namespace and iteration.
const RetriedNode = BuildDetail;
export type RetriedNodeBody = z.infer<typeof RetriedNode>;

export interface CallOptions {
  /** Aborting rejects the call with the signal's reason, untranslated. */
  signal?: AbortSignal;
}

export interface ApiClient {
  /** The base URL every path is resolved against, as error messages name it. */
  readonly serverUrl: string;
  namespaces: {
    list(query?: { all?: boolean }, options?: CallOptions): Promise<NamespaceListBody>;
    create(body: z.input<typeof CreateNamespace>, options?: CallOptions): Promise<Namespace>;
    get(name: string, query?: { iteration?: number; arch?: string }, options?: CallOptions): Promise<NamespaceDetail>;
    update(name: string, body: z.input<typeof UpdateNamespace>, options?: CallOptions): Promise<Namespace>;
    /** Start a new iteration now (reason `retry`); `rebuild_all` builds every node again instead of reusing. */
    retry(name: string, body?: z.input<typeof RetryNamespace>, options?: CallOptions): Promise<Iteration>;
    /** Put one failed node back to pending. */
    retryNode(name: string, body: z.input<typeof RetryNode>, options?: CallOptions): Promise<RetriedNodeBody>;
    builds(
      name: string,
      query?: { iteration?: number; status?: BuildStatus; arch?: string },
      options?: CallOptions,
    ): Promise<BuildListBody>;
    /** What releasing an iteration would change, and whether it is safe. */
    release(name: string, query?: { iteration?: number; arch?: string }, options?: CallOptions): Promise<ReleaseCheck>;
  };
  builds: {
    list(query?: { status?: BuildStatus }, options?: CallOptions): Promise<BuildListBody>;
    get(id: number, options?: CallOptions): Promise<BuildDetailBody>;
    /** The log text from byte `offset` on; `finished` says whether more can come. */
    log(id: number, query?: { offset?: number }, options?: CallOptions): Promise<LogChunkBody>;
  };
  /** What a rebuild of these origin changesets involves, on the server's sources (`plan --server`). */
  plan(body: z.input<typeof PlanRequest>, options?: CallOptions): Promise<Plan>;
  sources: {
    /** Ask the server to check source refs now (202: it happens in the background). */
    refresh(options?: CallOptions): Promise<void>;
  };
  workers: {
    list(options?: CallOptions): Promise<WorkersBody>;
  };
  /** Who this client's token names. */
  me(options?: CallOptions): Promise<Me>;
  audit: {
    list(
      query?: { limit?: number; before?: number; actor?: string; target?: string; result?: string },
      options?: CallOptions,
    ): Promise<AuditList>;
  };
  leases: {
    /** Long-poll for a job: a Lease, or null when none came within `wait_ms`. */
    acquire(body: z.input<typeof LeaseRequest>, options?: CallOptions): Promise<Lease | null>;
    heartbeat(leaseId: string, options?: CallOptions): Promise<HeartbeatBody>;
    appendLog(leaseId: string, text: string, options?: CallOptions): Promise<void>;
    /** A Blob (e.g. Bun.file) is streamed, and can be sent again when a retry needs it. */
    uploadFile(leaseId: string, file: string, bytes: Blob | Uint8Array, options?: CallOptions): Promise<void>;
    report(leaseId: string, result: z.input<typeof BuildResult>, options?: CallOptions): Promise<void>;
  };
  /** Builds dispatched as GitLab pipelines: the client's token is the pipeline's per-build token. */
  pipelineBuilds: {
    get(buildId: number, options?: CallOptions): Promise<PipelineBuild>;
    appendLog(buildId: number, text: string, options?: CallOptions): Promise<void>;
    uploadFile(buildId: number, file: string, bytes: Blob | Uint8Array, options?: CallOptions): Promise<void>;
    report(buildId: number, result: z.input<typeof BuildResult>, options?: CallOptions): Promise<void>;
  };
}

export interface ApiClientOptions {
  serverUrl: string;
  token?: string;
  /** Injected by tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** How long an ordinary call may go unanswered before it counts as unreachable (default 30 s). */
  timeoutMs?: number;
}

type Method = "GET" | "POST" | "PUT" | "PATCH";

interface Request {
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** null: no limit (uploads of large packages over slow links). */
  timeoutMs: number | null;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const serverUrl = options.serverUrl.replace(/\/+$/, "");
  const defaultTimeout = options.timeoutMs ?? 30_000;
  // Retries are the caller's policy (lib/backoff), never ofetch's: a retried POST must be a decision.
  const $fetch = createFetch({ fetch: options.fetch ?? globalThis.fetch }).create({
    baseURL: serverUrl,
    retry: false,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });

  async function send(req: Request): Promise<{ status: number; data: unknown }> {
    const signals = [req.signal, req.timeoutMs === null ? undefined : AbortSignal.timeout(req.timeoutMs)];
    const active = signals.filter((s): s is AbortSignal => s !== undefined);
    try {
      const response = await $fetch.raw(req.path, {
        method: req.method,
        query: req.query,
        body: req.body as Record<string, unknown> | undefined,
        headers: req.contentType ? { "content-type": req.contentType } : undefined,
        signal: active.length > 0 ? AbortSignal.any(active) : undefined,
        responseType: "json",
      });
      return { status: response.status, data: response._data };
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw translate(error, req);
    }
  }

  function translate(error: unknown, req: Request): unknown {
    if (!(error instanceof FetchError)) return error;
    const status = error.response?.status;
    if (status === undefined)
      return new ServerUnreachable(`cannot reach the buildbtw server at ${serverUrl}: ${why(error.cause, req)}`);
    const body = ErrorBody.safeParse(error.data);
    const sentence = body.success ? body.data.error : `${status} ${error.response?.statusText ?? ""}`.trim();
    switch (status) {
      case 400:
        return new Invalid(sentence);
      case 401:
        return new Unauthorized(sentence);
      case 403:
        return new Forbidden(sentence);
      case 404:
        return new NotFound(sentence);
      case 409:
        return new Conflict(sentence);
    }
    if (status === 408 || status === 429 || status >= 500) {
      return new ServerError(
        `the buildbtw server at ${serverUrl} answered ${req.method} ${req.path} with ${status}: ${sentence}`,
        status,
      );
    }
    // Other 4xx (413, 415, 422, …) still mean "this request is wrong"; the sentence says how.
    return new Invalid(sentence);
  }

  async function call<S extends z.ZodType>(schema: S, req: Request): Promise<z.output<S>> {
    const { data } = await send(req);
    return parse(schema, data, req);
  }

  function parse<S extends z.ZodType>(schema: S, data: unknown, req: Request): z.output<S> {
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new UnexpectedResponse(
      `the buildbtw server at ${serverUrl} answered ${req.method} ${req.path} with an unexpected body (${where}${issue?.message ?? "invalid"}); are server and client the same version?`,
    );
  }

  const get = (path: string, options?: CallOptions, query?: Request["query"]): Request => ({
    method: "GET",
    path,
    query,
    signal: options?.signal,
    timeoutMs: defaultTimeout,
  });
  const json = (method: Method, path: string, body: unknown, options?: CallOptions): Request => ({
    method,
    path,
    body: body ?? {},
    signal: options?.signal,
    timeoutMs: defaultTimeout,
  });

  return {
    serverUrl,
    namespaces: {
      list: (query, o) => call(NamespaceList, get(api.namespaces, o, query?.all ? { all: true } : undefined)),
      create: (body, o) => call(Namespace, json("POST", api.namespaces, body, o)),
      get: (name, query, o) => call(NamespaceDetail, get(api.namespace(name), o, { ...query })),
      update: (name, body, o) => call(Namespace, json("PATCH", api.namespace(name), body, o)),
      retry: (name, body, o) => call(Iteration, json("POST", api.iterations(name), body ?? {}, o)),
      retryNode: (name, body, o) => call(RetriedNode, json("POST", api.retryNode(name), body, o)),
      builds: (name, query, o) => call(BuildList, get(api.namespaceBuilds(name), o, { ...query })),
      release: (name, query, o) => call(ReleaseCheck, get(api.release(name), o, { ...query })),
    },
    builds: {
      list: (query, o) => call(BuildList, get(api.builds, o, { ...query })),
      get: (id, o) => call(BuildDetail, get(api.build(id), o)),
      log: (id, query, o) => call(LogChunk, get(api.buildLog(id), o, { ...query })),
    },
    plan: (body, o) => call(Plan, json("POST", api.plan, body, o)),
    sources: {
      refresh: async (o) => {
        await send(json("POST", api.refresh, {}, o));
      },
    },
    workers: {
      list: (o) => call(Workers, get(api.workers, o)),
    },
    me: (o) => call(Me, get(api.me, o)),
    audit: {
      list: (query, o) => call(AuditList, get(api.audit, o, { ...query })),
    },
    leases: {
      acquire: async (body, o) => {
        const waitMs = body.wait_ms ?? 25_000;
        // The server may rightly hold a long-poll for wait_ms; only silence beyond that means trouble.
        const req: Request = { ...json("POST", api.lease, body, o), timeoutMs: waitMs + defaultTimeout };
        const { status, data } = await send(req);
        return status === 204 ? null : parse(Lease, data, req);
      },
      heartbeat: (leaseId, o) => call(Heartbeat, json("POST", api.heartbeat(leaseId), {}, o)),
      appendLog: async (leaseId, text, o) => {
        await send({ ...json("POST", api.leaseLog(leaseId), text, o), contentType: "text/plain; charset=utf-8" });
      },
      uploadFile: async (leaseId, file, bytes, o) => {
        await send({
          ...json("PUT", api.leaseFile(leaseId, file), bytes, o),
          contentType: "application/octet-stream",
          timeoutMs: null,
        });
      },
      report: async (leaseId, result, o) => {
        await send(json("POST", api.leaseResult(leaseId), result, o));
      },
    },
    pipelineBuilds: {
      get: (buildId, o) => call(PipelineBuild, get(api.pipelineBuild(buildId), o)),
      appendLog: async (buildId, text, o) => {
        await send({
          ...json("POST", api.pipelineBuildLog(buildId), text, o),
          contentType: "text/plain; charset=utf-8",
        });
      },
      uploadFile: async (buildId, file, bytes, o) => {
        await send({
          ...json("PUT", api.pipelineBuildFile(buildId, file), bytes, o),
          contentType: "application/octet-stream",
          timeoutMs: null,
        });
      },
      report: async (buildId, result, o) => {
        await send(json("POST", api.pipelineBuildResult(buildId), result, o));
      },
    },
  };
}

/** The reason a request got no HTTP answer, in words a user can act on. */
function why(cause: unknown, req: Request): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.name === "TimeoutError") {
    const ms = req.timeoutMs ?? 0;
    return `no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`;
  }
  const code = (cause as Error & { code?: string }).code;
  switch (code) {
    case "ECONNREFUSED":
    case "ConnectionRefused":
      return "connection refused";
    case "ENOTFOUND":
      return "unknown host";
    case "ECONNRESET":
    case "ConnectionClosed":
      return "connection reset";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return cause.message;
  }
}
