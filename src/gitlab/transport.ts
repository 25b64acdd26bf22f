// How buildbtw talks HTTP to GitLab: every call retried on 429 and 5xx with exponential backoff that honours
// Retry-After (and RateLimit-Reset), bounded per call, abortable. gitbeaker's own handler retries 429/502 ten times
// within a third of a second and ignores Retry-After (src/gitlab/README.md, gitbeaker), which is no help against
// GitLab's per-minute limits; this replaces only that transport, gitbeaker still builds the URLs, encodes parameters
// and follows pagination.
import { backoffDelay, sleep as realSleep } from "../lib/backoff";
import { GitlabRefused, GitlabUnavailable } from "./errors";

export interface RetryPolicy {
  /** Tries per call, the first included. */
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
  /** A Retry-After longer than this is cut to it (the call is retried later rather than never). */
  maxRetryAfterMs: number;
  /** How long one attempt may take before it counts as a failed one. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  initialMs: 500,
  maxMs: 60_000,
  maxRetryAfterMs: 10 * 60_000,
  attemptTimeoutMs: 60_000,
};

export interface RetryEvent {
  what: string;
  attempt: number;
  delayMs: number;
  /** `429`, `503`, or the network error's message. */
  reason: string;
}

export interface TransportOptions {
  retry?: Partial<RetryPolicy>;
  /** Aborts waits and requests (server shutdown). */
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
  /** Every attempt's outcome: GitLab's HTTP status, or "error" when no answer came (metrics). */
  onAttempt?: (status: number | "error") => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

const RETRIED_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Network errors that mean the request never left: repeating it is safe even for a POST. */
const NOT_SENT = new Set(["ECONNREFUSED", "ConnectionRefused", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

/** Milliseconds a 429/503 asks us to wait: Retry-After (seconds or an HTTP date), else RateLimit-Reset. */
export function retryAfterMs(headers: Headers, now: number): number | null {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  // RateLimit-Reset is a Unix time in seconds, not a delta (src/gitlab/README.md, REST API v4).
  const reset = headers.get("ratelimit-reset")?.trim();
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return null;
}

/** GitLab's message in an error body: `error`, else `message` (stringified when not a string), else the text. */
export function describeBody(text: string, contentType: string | null): string {
  if (contentType?.includes("application/json")) {
    try {
      const body = JSON.parse(text) as { error?: unknown; message?: unknown };
      const value = body?.error || body?.message || "";
      return typeof value === "string" ? value : JSON.stringify(value);
    } catch {
      // Not JSON after all: fall through to the text.
    }
  }
  return text.trim().slice(0, 500);
}

export interface Transport {
  /**
   * Send until a 2xx (returned) or a final answer (GitlabRefused). `idempotent: false` never repeats
   * the request: its first 429, 5xx or network failure is thrown as GitlabUnavailable, `ambiguous` when
   * GitLab may have carried it out, with the Retry-After GitLab asked for.
   */
  send(what: string, request: () => Request, opts: { idempotent: boolean }): Promise<Response>;
}

export function createTransport(options: TransportOptions = {}): Transport {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;

  return {
    async send(what, request, { idempotent }) {
      let last = "no answer";
      for (let attempt = 1; ; attempt++) {
        options.signal?.throwIfAborted();
        const timeout = AbortSignal.timeout(policy.attemptTimeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        let response: Response | null = null;
        let ambiguous = false;
        try {
          response = await fetch(new Request(request(), { signal }));
          options.onAttempt?.(response.status);
        } catch (error) {
          options.onAttempt?.("error");
          if (options.signal?.aborted) throw options.signal.reason;
          last = timeout.aborted ? `no answer within ${policy.attemptTimeoutMs} ms` : errorText(error);
          // The request may have reached GitLab before the connection broke — unless it never connected.
          ambiguous = !NOT_SENT.has((error as { code?: string }).code ?? "");
        }
        let delayHint: number | null = null;
        if (response) {
          if (response.ok) return response;
          const text = await response.text().catch(() => "");
          if (!RETRIED_STATUSES.has(response.status)) {
            throw new GitlabRefused(response.status, describeBody(text, response.headers.get("content-type")), what);
          }
          last = `${response.status}${text ? ` ${describeBody(text, response.headers.get("content-type"))}` : ""}`;
          ambiguous = response.status !== 429;
          delayHint = retryAfterMs(response.headers, now());
        }
        // A call that must not be repeated blindly is retried by its caller, who can look first.
        if (!idempotent) throw new GitlabUnavailable(what, last, ambiguous, delayHint);
        if (attempt >= policy.maxAttempts)
          throw new GitlabUnavailable(what, `${attempt} attempts, last: ${last}`, false);
        const backoff = backoffDelay(attempt, { ...policy, factor: 2, maxAttempts: policy.maxAttempts });
        const delayMs = delayHint === null ? backoff : Math.min(policy.maxRetryAfterMs, Math.max(delayHint, 0));
        options.onRetry?.({ what, attempt, delayMs, reason: last });
        await wait(delayMs, options.signal);
      }
    },
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
