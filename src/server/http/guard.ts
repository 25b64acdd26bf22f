// Checks every request gets before routing: a Host header that is one well-formed host (routing never
// depends on it, but a malformed one must not reach code that builds URLs from the request).
import type { MiddlewareHandler } from "hono";
import { Invalid } from "../../core/errors";

const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`);

export const requestGuard: MiddlewareHandler = async (c, next) => {
  const host = c.req.raw.headers.get("host");
  if (host === null || host === "") throw new Invalid("the request has no Host header");
  if (!HOST.test(host) || !/^https?:\/\//.test(c.req.raw.url))
    throw new Invalid("the Host header must be one host name or address, with an optional port");
  await next();
};
