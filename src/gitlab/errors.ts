// What can go wrong talking to GitLab, in sentences that never carry a token or a request header.
import { ExternalFailure } from "../core/errors";

/** GitLab answered with a status that another try would not change (400, 401, 403, 404, 409, …). */
export class GitlabRefused extends ExternalFailure {
  override name = "GitlabRefused";
  constructor(
    readonly status: number,
    /**
     * GitLab's own message: `error`, else `message` of its JSON body, else the text (src/gitlab/README.md, REST API
     * v4).
     */
    readonly description: string,
    readonly what: string,
  ) {
    super(`GitLab answered ${status} to ${what}${description ? `: ${description}` : ""}`);
  }
}

/**
 * GitLab could not be reached or kept failing (429, 5xx, network errors) until the retries ran out.
 * `ambiguous`: the request may have been carried out anyway (a 5xx or a lost connection after sending
 * a POST), so whoever retries a non-idempotent call must look first.
 */
export class GitlabUnavailable extends ExternalFailure {
  override name = "GitlabUnavailable";
  constructor(
    readonly what: string,
    readonly last: string,
    readonly ambiguous: boolean,
    /** How long GitLab asked us to wait (Retry-After), when it did. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`GitLab did not complete ${what} (${last})`);
  }
}

/** A GraphQL answer with `errors`, or without the data asked for. */
export class GitlabQueryFailed extends ExternalFailure {
  override name = "GitlabQueryFailed";
}
