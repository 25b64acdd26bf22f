// Every request's body has an explicit limit, by route: answered 413 with a sentence as soon as the
// declared length (or, for a chunked body, the bytes read so far) passes it, without reading the rest.
// Package uploads stream to disk under their own limit (BUILDBTW_MAX_UPLOAD_BYTES, see uploads.ts).
import type { MiddlewareHandler } from "hono";
import { Invalid, TooLarge } from "../../core/errors";
import { formatBytes } from "../../lib/receive";

const KiB = 1024;
const MiB = 1024 * KiB;

export interface BodyLimit {
  methods: readonly string[];
  path: RegExp;
  /** Bytes, or "upload" for package files (the server's upload setting). */
  bytes: number | "upload";
  /** What the body is, for the sentence: "<what> is larger than the limit of N". */
  what: string;
}

/** First match wins; anything unlisted gets DEFAULT_BODY_LIMIT. */
export const BODY_LIMITS: readonly BodyLimit[] = [
  {
    methods: ["PUT"],
    path: /^\/api\/v1\/(leases|pipeline-builds)\/[^/]+\/files\/[^/]+$/,
    bytes: "upload",
    what: "a package file",
  },
  // Workers send their log in chunks of at most 1 MiB (append-log.ts).
  { methods: ["POST"], path: /^\/api\/v1\/(leases|pipeline-builds)\/[^/]+\/log$/, bytes: MiB, what: "a log chunk" },
  // GitLab push events list at most 20 commits, but a merge request description can be long.
  { methods: ["POST"], path: /^\/api\/v1\/gitlab\/webhook$/, bytes: 4 * MiB, what: "a webhook body" },
  // A few hundred origin changesets (schemas.ts MAX_ORIGIN_CHANGESETS) fit with room to spare.
  { methods: ["POST"], path: /^\/api\/v1\/plan$/, bytes: 64 * KiB, what: "a plan request" },
  {
    methods: ["POST", "PATCH"],
    path: /^\/api\/v1\/namespaces(\/[^/]+)?$/,
    bytes: 64 * KiB,
    what: "a namespace request",
  },
  {
    methods: ["POST"],
    path: /^\/api\/v1\/(leases|pipeline-builds)\/[^/]+\/result$/,
    bytes: 64 * KiB,
    what: "a build result",
  },
];
/** Lease requests, heartbeats, forms, and bodies sent where none is read. */
export const DEFAULT_BODY_LIMIT: BodyLimit = { methods: [], path: /^/, bytes: 16 * KiB, what: "the request body" };

export function bodyLimitFor(method: string, path: string): BodyLimit {
  return BODY_LIMITS.find((l) => l.methods.includes(method) && l.path.test(path)) ?? DEFAULT_BODY_LIMIT;
}

export function bodyLimits(maxUploadBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const limit = bodyLimitFor(c.req.method, c.req.path);
    const bytes = limit.bytes === "upload" ? maxUploadBytes : limit.bytes;
    const tooLarge = () => new TooLarge(`${limit.what} is larger than the limit of ${formatBytes(bytes)}`);
    const declared = c.req.header("content-length");
    if (declared !== undefined) {
      if (!/^[0-9]{1,16}$/.test(declared)) throw new Invalid("the Content-Length header is not a number of bytes");
      if (Number(declared) > bytes) throw tooLarge();
    }
    const body = c.req.raw.body;
    if (declared === undefined && body && limit.bytes !== "upload") {
      // A chunked body: count as it is read; the handler's read fails with the sentence at the limit.
      let seen = 0;
      const counted = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen += chunk.byteLength;
            if (seen > bytes) controller.error(tooLarge());
            else controller.enqueue(chunk);
          },
        }),
      );
      c.req.raw = new Request(c.req.raw, { body: counted, duplex: "half" } as RequestInit);
    }
    await next();
  };
}
