// The client against an injected fetch: what each HTTP answer becomes. The same over real sockets,
// including an unreachable server, is in test/worker-api-client.test.ts.
import { describe, expect, test } from "bun:test";
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from "../core/errors";
import { createApiClient } from "./api-client";
import { isTransient, ServerError, ServerUnreachable, UnexpectedResponse } from "./errors";

type Handler = (req: Request) => Response | Promise<Response>;

function clientFor(handler: Handler, token?: string) {
  const seen: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req.clone());
    return handler(req);
  }) as typeof globalThis.fetch;
  return { client: createApiClient({ serverUrl: "http://buildbtw.test/", token, fetch }), seen };
}

const error = (status: number, sentence: string) => Response.json({ error: sentence }, { status });

describe("error translation", () => {
  const cases = [
    [400, Invalid],
    [401, Unauthorized],
    [403, Forbidden],
    [404, NotFound],
    [409, Conflict],
    [413, Invalid],
  ] as const;
  for (const [status, type] of cases) {
    test(`${status} → ${type.name} carrying the server's sentence`, async () => {
      const { client } = clientFor(() => error(status, "one clear sentence"));
      const call = client.namespaces.get("zlib");
      await expect(call).rejects.toBeInstanceOf(type);
      await expect(call).rejects.toThrow(/^one clear sentence$/);
    });
  }

  for (const status of [500, 502, 503, 429]) {
    test(`${status} → ServerError, transient`, async () => {
      const { client } = clientFor(() => error(status, "busy"));
      const failure = await client.leases.heartbeat("L1").catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ServerError);
      expect((failure as ServerError).status).toBe(status);
      expect((failure as Error).message).toBe(
        `the buildbtw server at http://buildbtw.test answered POST /api/v1/leases/L1/heartbeat with ${status}: busy`,
      );
      expect(isTransient(failure)).toBe(true);
    });
  }

  test("an error body that is not {error} still gives a sentence", async () => {
    const { client } = clientFor(() => new Response("<html>nope</html>", { status: 404, statusText: "Not Found" }));
    await expect(client.builds.get(3)).rejects.toThrow("404 Not Found");
  });

  test("domain errors are not transient", async () => {
    const { client } = clientFor(() => error(409, "stale"));
    expect(isTransient(await client.leases.report("L", { status: "built" }).catch((e: unknown) => e))).toBe(false);
  });

  test("no answer within the timeout → ServerUnreachable naming the URL", async () => {
    const fetch = ((_: RequestInfo | URL, init?: RequestInit) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      )) as typeof globalThis.fetch;
    const client = createApiClient({ serverUrl: "http://slow.test", fetch, timeoutMs: 20 });
    const failure = await client.workers.list().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServerUnreachable);
    expect((failure as Error).message).toBe(
      "cannot reach the buildbtw server at http://slow.test: no answer within 20 ms",
    );
  });

  test("the caller's abort is passed through untranslated", async () => {
    const fetch = ((_: RequestInfo | URL, init?: RequestInit) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      )) as typeof globalThis.fetch;
    const client = createApiClient({ serverUrl: "http://slow.test", fetch });
    const controller = new AbortController();
    const call = client.leases.acquire({ architectures: ["x86_64"] }, { signal: controller.signal });
    controller.abort(new Error("shutting down"));
    await expect(call).rejects.toThrow("shutting down");
  });

  test("a body that does not match the schema → UnexpectedResponse", async () => {
    const { client } = clientFor(() => Response.json({ expires_at: 5 }));
    await expect(client.leases.heartbeat("L")).rejects.toBeInstanceOf(UnexpectedResponse);
    await expect(client.leases.heartbeat("L")).rejects.toThrow(
      /answered POST \/api\/v1\/leases\/L\/heartbeat with an unexpected body \(expires_at: /,
    );
  });
});

describe("requests", () => {
  test("sends the bearer token, JSON bodies and query strings", async () => {
    const namespace = {
      name: "zlib-1",
      status: "active" as const,
      origin_changesets: ["zlib/main"],
      include: [] as string[],
      bump: "rebuild" as const,
      problem: null,
      created_by: null,
      created_at: "t",
      updated_at: "t",
    };
    const { client, seen } = clientFor(() => Response.json(namespace, { status: 201 }), "secret");
    expect(await client.namespaces.create({ origin_changesets: ["zlib/main"] })).toEqual(namespace);
    const req = seen[0] as Request;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("http://buildbtw.test/api/v1/namespaces");
    expect(req.headers.get("authorization")).toBe("Bearer secret");
    expect(req.headers.get("content-type")).toBe("application/json");
    expect(await req.json()).toEqual({ origin_changesets: ["zlib/main"] });
  });

  test("query parameters left undefined are not sent", async () => {
    const { client, seen } = clientFor(() => Response.json({ builds: [] }));
    await client.namespaces.builds("zlib-1", { status: "failed", arch: undefined });
    await client.builds.list();
    expect(seen.map((r) => r.url)).toEqual([
      "http://buildbtw.test/api/v1/namespaces/zlib-1/builds?status=failed",
      "http://buildbtw.test/api/v1/builds",
    ]);
  });

  test("no token, no authorization header", async () => {
    const { client, seen } = clientFor(() => Response.json({ workers: [] }));
    await client.workers.list();
    expect(seen[0]?.headers.has("authorization")).toBe(false);
  });

  test("lease: 204 → null; log chunks as text/plain; files as bytes", async () => {
    const { client, seen } = clientFor((req) => new Response(null, { status: req.method === "PUT" ? 201 : 204 }));
    expect(await client.leases.acquire({ architectures: ["x86_64"], wait_ms: 10 })).toBeNull();
    await client.leases.appendLog("L 1", "line one\n");
    await client.leases.uploadFile("L 1", "a+b-1-1-any.pkg.tar.zst", new Uint8Array([1, 2, 3]));
    const [lease, log, file] = seen as [Request, Request, Request];
    expect(await lease.json()).toEqual({ architectures: ["x86_64"], wait_ms: 10 });
    expect(log.url).toBe("http://buildbtw.test/api/v1/leases/L%201/log");
    expect(log.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await log.text()).toBe("line one\n");
    expect(file.method).toBe("PUT");
    expect(file.url).toBe("http://buildbtw.test/api/v1/leases/L%201/files/a%2Bb-1-1-any.pkg.tar.zst");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  test("a server under a path prefix keeps its prefix", async () => {
    const seen: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return Response.json({ workers: [] });
    }) as typeof globalThis.fetch;
    await createApiClient({ serverUrl: "https://host.test/buildbtw/", fetch }).workers.list();
    expect(seen).toEqual(["https://host.test/buildbtw/api/v1/workers"]);
  });
});
