// Calls to the buildbtw server from a pipeline's job, with the job's per-build token. An unreachable or busy
// server is retried with backoff, then fails the job as a system failure (the runner host cannot reach its
// server); a refusal of this build (its pipeline is no longer current, the token is another build's) fails it
// as a build failure: no retry can change that.
import { type ApiClient, createApiClient } from "../client/api-client";
import { isTransient, UnexpectedResponse } from "../client/errors";
import type { ExecutorConfig } from "../config/executor";
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from "../core/errors";
import { type BackoffPolicy, retry } from "../lib/backoff";
import { BuildFailure, messageOf, SystemFailure } from "./failures";

/** The server could not be reached or answered nonsense: the runner host's problem, and the server cannot be told. */
export class ServerUnavailable extends SystemFailure {
  override name = "ServerUnavailable";
}

export const defaultClient = (serverUrl: string, token: string) => createApiClient({ serverUrl, token });

/** `call(action, fn)`: one server call, retried and translated as above; `action` names it in messages. */
export function serverCalls(settings: Pick<ExecutorConfig, "serverAttempts">, deps: { signal: AbortSignal }) {
  const policy: Partial<BackoffPolicy> = { initialMs: 500, maxMs: 30_000, maxAttempts: settings.serverAttempts };
  return async <T>(action: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await retry(() => fn(deps.signal), {
        ...policy,
        signal: deps.signal,
        shouldRetry: isTransient,
        onRetry: ({ delayMs, error }) =>
          process.stderr.write(`buildbtw: ${action} failed, retrying in ${delayMs} ms: ${messageOf(error)}\n`),
      });
    } catch (error) {
      if (deps.signal.aborted) throw new ServerUnavailable("the job was stopped");
      if (
        error instanceof Conflict ||
        error instanceof Forbidden ||
        error instanceof NotFound ||
        error instanceof Unauthorized
      )
        throw new BuildFailure(`the server refused this build (${action}): ${error.message}`);
      if (error instanceof Invalid) throw error;
      if (isTransient(error) || error instanceof UnexpectedResponse)
        throw new ServerUnavailable(`${action} failed: ${messageOf(error)}`);
      throw error;
    }
  };
}

export type ClientFactory = (serverUrl: string, token: string) => ApiClient;
