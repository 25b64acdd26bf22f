// What can go wrong talking to the server besides the typed domain errors it answers with (core/errors): the
// server's failures are ExternalFailures, so commands print their sentence as is.
import { ExternalFailure } from "../core/errors";

/** No HTTP answer at all: refused, unknown host, reset, or no answer in time. Worth retrying. */
export class ServerUnreachable extends ExternalFailure {
  override name = "ServerUnreachable";
}

/** The server answered 5xx, 429 or 408: it exists but cannot serve this now. Worth retrying. */
export class ServerError extends ExternalFailure {
  override name = "ServerError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The server answered with a body this client does not understand (a version mismatch). Not retried. */
export class UnexpectedResponse extends ExternalFailure {
  override name = "UnexpectedResponse";
}

/** Errors that a later identical request may not meet: the backoff predicate of every server call. */
export const isTransient = (error: unknown): boolean =>
  error instanceof ServerUnreachable || error instanceof ServerError;
