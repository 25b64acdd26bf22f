// gitbeaker's resource classes over our transport (transport.ts): gitbeaker keeps building URLs, encoding
// parameters and following `Link: rel="next"` pagination (src/gitlab/README.md, gitbeaker); we own retries and errors.
import { createRequesterFn, getMatchingRateLimiter, type ResponseBodyTypes } from "@gitbeaker/requester-utils";
import type { Transport } from "./transport";

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  searchParams?: string;
  prefixUrl?: string;
  asStream?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: gitbeaker's rate-limiter map is untyped at this seam.
  rateLimiters?: Record<string, any>;
}

/** Body parsing as @gitbeaker/rest does it (src/gitlab/README.md, gitbeaker): JSON, text, else a Blob; 204 is null. */
async function parseBody(response: Response): Promise<ResponseBodyTypes> {
  if (response.status === 204) return null;
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (type === "application/json") return ((await response.json()) as Record<string, unknown>) || {};
  if (type.startsWith("text/")) return (await response.text()) || "";
  return response.blob();
}

export function gitbeakerRequester(transport: Transport) {
  return createRequesterFn(
    (_, options) => Promise.resolve(options),
    async (endpoint: string, options?: RequestOptions) => {
      const { method = "GET", headers, body, searchParams, prefixUrl = "", rateLimiters } = options ?? {};
      const base = prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/`;
      const url = new URL(endpoint, base);
      url.search = searchParams ?? "";
      await getMatchingRateLimiter(endpoint, rateLimiters, method)();
      // Creating a pipeline is the one call whose repetition is not harmless (client.ts looks first).
      const idempotent = method !== "POST" || endpoint.endsWith("/cancel");
      const what = `${method} ${decodeURIComponent(endpoint)}`;
      const response = await transport.send(what, () => new Request(url, { method, headers, body }), { idempotent });
      return {
        body: await parseBody(response),
        headers: Object.fromEntries(response.headers as unknown as Iterable<[string, string]>),
        status: response.status,
      };
    },
  );
}
