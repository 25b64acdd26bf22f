// Typed errors, translated once per edge: HTTP maps them in one onError, commands to exit 1 and one line.

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

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
