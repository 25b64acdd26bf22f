// Typed errors, translated once per edge: HTTP maps them by class in one onError, commands print one line and
// exit 1, the executor maps them to the runner's exit codes. Every error a user may see extends one of these two
// roots: DomainError (the request, the input or the state is the problem) or ExternalFailure (a service we
// depend on is); anything else is a bug and is reported as an internal error.

export class DomainError extends Error {
  override name = "DomainError";
}
/** Something named does not exist (unknown namespace, pkgbase, ref, iteration, build). */
export class NotFound extends DomainError {
  override name = "NotFound";
}
/** Input is malformed or breaks a rule; the message is one sentence saying which. */
export class Invalid extends DomainError {
  override name = "Invalid";
}
/** The request clashes with current state (duplicate name, stale lease). */
export class Conflict extends DomainError {
  override name = "Conflict";
}
/** No credentials, or credentials that are not valid at all. */
export class Unauthorized extends DomainError {
  override name = "Unauthorized";
}
/** Valid credentials that may not do this. */
export class Forbidden extends DomainError {
  override name = "Forbidden";
}

/** A request body, list or file over its limit; the message names the limit. */
export class TooLarge extends DomainError {
  override name = "TooLarge";
}
/** A client asked too often; `retryAfterSeconds` says when it may ask again. */
export class TooManyRequests extends DomainError {
  override name = "TooManyRequests";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** The server's disk is full: reads still work, writes are refused until space returns. */
export class DiskFull extends DomainError {
  override name = "DiskFull";
}

/**
 * A service we depend on (the buildbtw server, GitLab, a git remote) could not be reached, refused, or answered
 * what we cannot read. Not the caller's fault; often worth trying again later.
 */
export class ExternalFailure extends Error {
  override name = "ExternalFailure";
}

/** Whether an error is one of ours, with a message meant for the user (the rest are bugs). */
export const isExpected = (error: unknown): error is DomainError | ExternalFailure =>
  error instanceof DomainError || error instanceof ExternalFailure;

/**
 * The sentence an error carries. A schema error (zod's, found by its `issues`, so core needs no zod) lists each
 * issue with its path.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error && "issues" in error && Array.isArray(error.issues)) {
    return (error.issues as { path: PropertyKey[]; message: string }[])
      .map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
      .join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
