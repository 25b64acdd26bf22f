// Every bad input is a 4xx with a sentence, answered before any other work: Host headers, ids in one
// canonical spelling, unknown query parameters, body and list limits, malformed forms, Range headers,
// per-client limits on plan, and aborted requests logged as debug lines, not errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildPackage } from "../src/pacman";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { errorOf, rawRequest } from "./support/raw-http";
import { srcinfo } from "./support/recipes";

let tmp: string;
let server: ServerProcess;
const MiB = 1024 ** 2;

beforeAll(async () => {
  tmp = makeTempDir();
  const repos = join(tmp, "repos");
  makeRepo(repos, "solo", srcinfo({ pkgbase: "solo" }));
  makeRepo(repos, "other", srcinfo({ pkgbase: "other", depends: ["solo"] }));
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_LOG_LEVEL: "debug", BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  expect(
    (
      await server.api("/api/v1/namespaces", {
        method: "POST",
        body: JSON.stringify({ origin_changesets: ["solo/main"] }),
      })
    ).status,
  ).toBe(201);
});
afterAll(async () => {
  await server?.stop();
  removeDir(tmp);
});

const get = (host: string | null, target = "/api/v1/namespaces", version = "1.1") =>
  rawRequest(
    server.url,
    `GET ${target} HTTP/${version}\r\n${host === null ? "" : `Host: ${host}\r\n`}Connection: close\r\n\r\n`,
  );

describe("Host header and request target", () => {
  test("a missing Host header is a 400", async () => {
    const r = await get(null, "/api/v1/namespaces", "1.0");
    expect(r.status).toBe(400);
    expect(errorOf(r.body)).toBe("the request has no Host header");
    expect((await get(null)).status).toBe(400);
  });

  test.each(["a b/c", "[::1", "host:port", "a, b", "ex ample.org", "../x"])(
    "Host %p is a 400 with a sentence",
    async (host) => {
      const r = await get(host);
      expect(r.status).toBe(400);
      expect(errorOf(r.body)).toBe("the Host header must be one host name or address, with an optional port");
    },
  );

  test("routing never depends on the Host header", async () => {
    for (const host of ["localhost", "example.org:8080", "[::1]:1", "127.0.0.1"]) {
      const r = await get(host, "/healthz");
      expect(r.status).toBe(200);
    }
    // An absolute-form target is routed by its path alone (Bun hands the handler the path and Host).
    expect((await get("localhost", "http://elsewhere.example/healthz")).status).toBe(200);
  });
});

describe("ids have one spelling", () => {
  test.each(["0x1", "1e0", "+1", "00001", "1.0", "-1", "0", " 1", "1_000", "99999999999999999999"])(
    "build id %p is a 400",
    async (id) => {
      const r = await server.api<{ error: string }>(`/api/v1/builds/${encodeURIComponent(id)}`);
      expect(r.status).toBe(400);
      expect(r.body.error).toContain("the build id must be a positive whole number in plain digits");
    },
  );

  test("iterations, offsets and pages too; unknown query parameters are refused", async () => {
    for (const path of [
      "/api/v1/namespaces/solo?iteration=01",
      "/api/v1/namespaces/solo/builds?iteration=0x1",
      "/api/v1/builds/1/log?offset=1e3",
      "/repo/solo/01/os/x86_64/",
      "/namespaces/solo?page=+2",
    ]) {
      const r = await server.api<{ error: string } | string>(path);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/whole number in plain digits/);
    }
    const unknown = await server.api<{ error: string }>("/api/v1/namespaces/solo?iteraton=1");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain("iteraton");
  });
});

describe("bodies and lists", () => {
  test("a huge plan body is refused at once, without reading it", async () => {
    const endless = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const r = await server.api<{ error: string }>("/api/v1/plan", {
      method: "POST",
      body: endless,
      headers: { "content-length": String(512 * MiB), "content-type": "application/json" },
      token: null,
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe("a plan request is larger than the limit of 64 KiB");
  });

  test("a chunked body is cut off at its limit", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * MiB) return controller.close();
        sent += 64 * 1024;
        controller.enqueue(new TextEncoder().encode(" ".repeat(64 * 1024)));
      },
    });
    const r = await server.api<{ error: string }>("/api/v1/namespaces", { method: "POST", body: stream });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe("a namespace request is larger than the limit of 64 KiB");
  });

  test("origin lists are limited and deduplicated", async () => {
    const many = Array.from({ length: 501 }, (_, i) => `p${i}/main`);
    const tooMany = await server.api<{ error: string }>("/api/v1/plan", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: many }),
      token: null,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toContain("at most 500 origin changesets");
    const twice = await server.api<{ origins: unknown[] }>("/api/v1/plan", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["solo/main", "solo/main", "solo/main"] }),
      token: null,
    });
    expect(twice.status).toBe(200);
    expect(twice.body.origins).toHaveLength(1);
  });

  test("a malformed form body is a 400 with a sentence, on every page that takes a form", async () => {
    // /login before any sign-in; /tokens as the admin (its form has repeated fields, read as lists).
    for (const [path, token] of [
      ["/login", null],
      ["/tokens", server.adminToken],
    ] as const) {
      for (const [type, body] of [
        ["multipart/form-data; boundary=xyz", '--xyz\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc'],
        ["multipart/form-data", "garbage"],
      ] as const) {
        const headers: Record<string, string> = { "content-type": type };
        if (token) headers.authorization = `Bearer ${token}`;
        const r = await fetch(`${server.url}${path}`, { method: "POST", body, headers });
        expect(`${path} ${r.status}`).toBe(`${path} 400`);
        expect(await r.text()).toContain("the form body is malformed");
      }
    }
  });
});

describe("Range", () => {
  test("a bad Range header is a 400; a good one a 206", async () => {
    const token = await server.workerToken("ranger");
    const lease = await waitFor("a lease", async () => {
      const r = await server.api<{ lease_id: string }>("/api/v1/leases", {
        method: "POST",
        body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 2000 }),
        token,
      });
      return r.status === 200 ? r.body.lease_id : undefined;
    });
    const file = "solo-1.0.0-1-x86_64.pkg.tar.zst";
    const bytes = buildPackage({ pkgname: "solo", pkgbase: "solo", version: "1.0.0-1", arch: "x86_64" });
    const put = await server.api(`/api/v1/leases/${lease}/files/${file}`, { method: "PUT", body: bytes, token });
    expect(put.status).toBe(201);
    // Uploads are staged until the build reports built: only then is the file served.
    const result = await server.api(`/api/v1/leases/${lease}/result`, {
      method: "POST",
      body: JSON.stringify({ status: "built" }),
      token,
    });
    expect(result.status).toBe(200);
    const path = `/repo/solo/latest/os/x86_64/${file}`;
    for (const range of ["bytes=5-1", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=-"]) {
      const r = await server.api<{ error: string }>(path, { headers: { range } });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/Range header/);
    }
    const ok = await fetch(`${server.url}${path}`, { headers: { range: "bytes=0-3" } });
    expect(ok.status).toBe(206);
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(bytes.subarray(0, 4));
    expect((await fetch(`${server.url}${path}`, { headers: { range: `bytes=${bytes.length}-` } })).status).toBe(416);
  });
});

describe("per-client limits and aborted requests", () => {
  test("plan requests past the burst get 429 with Retry-After and a sentence", async () => {
    const statuses: number[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await fetch(`${server.url}/api/v1/plan`, {
        method: "POST",
        body: JSON.stringify({ origin_changesets: ["solo/main"] }),
        headers: { "content-type": "application/json" },
      });
      statuses.push(r.status);
      if (r.status === 429) refused = r;
      else await r.arrayBuffer();
    }
    expect(refused).not.toBeNull();
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused!.json()) as { error: string }).error).toContain("too many plan requests");
    // The burst (20) less what the tests above spent on plan.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
  });

  test("a request aborted mid-body is a debug line, not an error", async () => {
    const head = [
      "POST /api/v1/namespaces HTTP/1.1",
      "Host: localhost",
      `Authorization: Bearer ${server.adminToken}`,
      "Content-Type: application/json",
      "Content-Length: 30000",
      "",
      "",
    ].join("\r\n");
    const { hostname, port } = new URL(server.url);
    const socket = await Bun.connect({ hostname, port: Number(port), socket: { data() {} } });
    socket.write(`${head}{"origin_changesets": [`);
    socket.end();
    await waitFor("the debug line", () => server.logs.some((l) => l.includes('"msg":"request aborted"')));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});
