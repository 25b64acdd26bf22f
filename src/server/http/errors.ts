// Typed errors → HTTP, once for the whole app: 4xx with one sentence, never a stack trace.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import {
  Conflict,
  DiskFull,
  Forbidden,
  Invalid,
  NotFound,
  messageOf as sentenceOf,
  TooLarge,
  TooManyRequests,
  Unauthorized,
} from "../../core/errors";
import type { Logger } from "../../lib/log";
import { diskFull, isDiskFull } from "../../lib/receive";
import { Stopping } from "../lifecycle";

export function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof NotFound) return 404;
  if (error instanceof Invalid || error instanceof ZodError) return 400;
  if (error instanceof Conflict) return 409;
  if (error instanceof Unauthorized) return 401;
  if (error instanceof Forbidden) return 403;
  if (error instanceof TooLarge) return 413;
  if (error instanceof TooManyRequests) return 429;
  if (error instanceof DiskFull || isDiskFull(error)) return 507;
  if (error instanceof Stopping) return 503;
  if (error instanceof HTTPException) return error.status as ContentfulStatusCode;
  return 500;
}

/** core/errors' messageOf, except that a file system's own ENOSPC is answered with the disk-full sentence. */
export function messageOf(error: unknown): string {
  if (!(error instanceof DiskFull) && isDiskFull(error)) return diskFull().message;
  return sentenceOf(error);
}

export function errorHandler(log: Logger) {
  return (error: Error, c: Context) => {
    const status = statusOf(error);
    if (error instanceof TooManyRequests) c.header("Retry-After", String(error.retryAfterSeconds));
    if (status === 503) c.header("Retry-After", "10");
    if (status === 507) log.warn("write refused: disk full", { method: c.req.method, path: c.req.path });
    else if (status >= 500 && c.req.raw.signal.aborted) {
      // The client went away mid-request: nothing to answer, nothing broken.
      log.debug("request aborted", { method: c.req.method, path: c.req.path, error: messageOf(error) });
      return c.json({ error: "the request was aborted" }, 400);
    } else if (status >= 500) {
      log.error("request failed", { method: c.req.method, path: c.req.path, error: error.stack ?? String(error) });
      return c.json({ error: "internal server error" }, 500);
    }
    return c.json({ error: messageOf(error) }, status);
  };
}

/** Parse a JSON request body; a body that is not JSON is a 400, not a 500. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new Invalid("the request body is not valid JSON");
  }
}

type FormValue = string | File;

/**
 * Parse a form body (urlencoded or multipart); a malformed one is a 400, not a 500. With `all`, a field given
 * more than once (checkboxes) comes back as a list.
 */
export async function formBody(c: Context): Promise<Record<string, FormValue>>;
export async function formBody(c: Context, all: true): Promise<Record<string, FormValue | FormValue[]>>;
export async function formBody(c: Context, all = false): Promise<Record<string, FormValue | FormValue[]>> {
  try {
    return await c.req.parseBody({ all });
  } catch (error) {
    if (statusOf(error) !== 500) throw error;
    throw new Invalid("the form body is malformed");
  }
}
