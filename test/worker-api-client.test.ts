// The API client over real sockets: a tiny Bun.serve for answers, a closed port for "unreachable".
import { afterAll, expect, test } from "bun:test";
import { createApiClient } from "../src/client/api-client";
import { isTransient, ServerError, ServerUnreachable } from "../src/client/errors";
import { Conflict, NotFound, Unauthorized } from "../src/core/errors";

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (!req.headers.get("authorization"))
      return Response.json({ error: "this action needs a token" }, { status: 401 });
    if (path === "/api/v1/namespaces/missing")
      return Response.json({ error: "no namespace named missing" }, { status: 404 });
    if (path.endsWith("/heartbeat"))
      return Response.json({ error: "this lease is no longer current" }, { status: 409 });
    if (path === "/api/v1/leases") return new Response(null, { status: 204 });
    return new Response("upstream unavailable", { status: 503, statusText: "Service Unavailable" });
  },
});
afterAll(() => server.stop(true));

const url = `http://127.0.0.1:${server.port}`;
const client = createApiClient({ serverUrl: url, token: "t" });

test("HTTP errors arrive typed, with the server's sentence", async () => {
  await expect(client.namespaces.get("missing")).rejects.toThrow(new NotFound("no namespace named missing"));
  await expect(client.leases.heartbeat("x")).rejects.toBeInstanceOf(Conflict);
  await expect(createApiClient({ serverUrl: url }).namespaces.get("x")).rejects.toBeInstanceOf(Unauthorized);
  const failure = await client.workers.list().catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ServerError);
  expect((failure as Error).message).toBe(
    `the buildbtw server at ${url} answered GET /api/v1/workers with 503: 503 Service Unavailable`,
  );
});

test("a long-poll without work answers null", async () => {
  expect(await client.leases.acquire({ architectures: ["x86_64"], wait_ms: 0 })).toBeNull();
});

test("an unreachable server: the error names the URL tried, and is worth retrying", async () => {
  // A port that was just free: bind, note it, close.
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port;
  await probe.stop(true);
  const failure = await createApiClient({ serverUrl: `http://127.0.0.1:${port}` })
    .namespaces.list()
    .catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ServerUnreachable);
  expect((failure as Error).message).toBe(
    `cannot reach the buildbtw server at http://127.0.0.1:${port}: connection refused`,
  );
  expect(isTransient(failure)).toBe(true);
});
