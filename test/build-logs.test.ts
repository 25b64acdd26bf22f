// Build logs live in files, capped per build: the head and the tail are kept and a note says how much was
// dropped; readers follow by offset without losing their place, and log.txt streams with Range.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BuildLogStore } from "../src/server/log-store";
import { peakRss } from "./support/bombs";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => removeDir(tmp));

const dirBytes = (dir: string) => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

describe("BuildLogStore", () => {
  test("keeps the head and the tail past its cap, and says what it dropped", () => {
    const store = new BuildLogStore(join(tmp, "logs-a"), 1024);
    const lines = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(4, "0")}\n`);
    for (const l of lines) store.append(7, l);
    const whole = lines.join("");
    expect(store.length(7)).toBe(whole.length);
    expect(dirBytes(join(tmp, "logs-a", "7"))).toBeLessThanOrEqual(1024);
    const { text, end } = store.read(7, 0);
    expect(end).toBe(whole.length);
    // Half the cap for the head and a quarter for the newest tail segment, less a few bytes of margin.
    expect(text.startsWith(whole.slice(0, 500))).toBe(true);
    expect(text.endsWith(whole.slice(-250))).toBe(true);
    const dropped = Number(/\[buildbtw: (\d+) bytes of this log were dropped/.exec(text)?.[1]);
    const kept = text.replace(/\n\[buildbtw: .*\]\n/, "");
    expect(dropped + kept.length).toBe(whole.length);
    expect(text).toContain("limit of 1 KiB");
  });

  test("a follower reading in small pieces sees every kept byte once, and whole UTF-8 characters", () => {
    const store = new BuildLogStore(join(tmp, "logs-b"), 1 << 20);
    const text = "äöü€𝄞 ".repeat(500);
    const characters = Array.from(text);
    for (let i = 0; i < characters.length; i += 97) store.append(1, characters.slice(i, i + 97).join(""));
    let offset = 0;
    let seen = "";
    for (;;) {
      const chunk = store.read(1, offset, 50);
      if (chunk.text === "") break;
      expect(chunk.text).not.toContain("\uFFFD");
      seen += chunk.text;
      offset = chunk.end;
    }
    expect(seen).toBe(text);
  });

  test("stream serves the stored log in ranges", async () => {
    const store = new BuildLogStore(join(tmp, "logs-c"), 1024);
    for (let i = 0; i < 100; i++) store.append(2, `${"x".repeat(30)} ${i}\n`);
    const all = await new Response(store.stream(2)).text();
    expect(all.length).toBe(store.storedSize(2));
    expect(await new Response(store.stream(2, 10, 600)).text()).toBe(all.slice(10, 600));
  });
});

describe("logs through a server with a 64 KiB cap", () => {
  let server: ServerProcess;
  let token: string;
  let lease: { lease_id: string; build_id: number };
  const MiB = 1024 ** 2;

  beforeAll(async () => {
    makeRepo(join(tmp, "repos"), "solo", srcinfo({ pkgbase: "solo" }));
    server = await startServer({
      dataDir: join(tmp, "data"),
      reposDir: join(tmp, "repos"),
      env: { BUILDBTW_MAX_LOG_BYTES: String(64 * 1024), BUILDBTW_LEASE_TTL_MS: "600000" },
    });
    token = await server.workerToken("logger");
    await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["solo/main"] }),
    });
    lease = await waitFor("a lease", async () => {
      const r = await server.api<{ lease_id: string; build_id: number }>("/api/v1/leases", {
        method: "POST",
        body: JSON.stringify({ architectures: ["x86_64"], wait_ms: 2000 }),
        token,
      });
      return r.status === 200 ? r.body : undefined;
    });
  });
  afterAll(async () => server?.stop());

  const send = (text: string) =>
    server.api<{ error: string }>(`/api/v1/leases/${lease.lease_id}/log`, {
      method: "POST",
      body: text,
      headers: { "content-type": "text/plain" },
      token,
    });

  test("an oversized log chunk is refused at once, without a memory peak", async () => {
    const before = await peakRss(server.proc.pid);
    const endless = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const r = await server.api<{ error: string }>(`/api/v1/leases/${lease.lease_id}/log`, {
      method: "POST",
      body: endless,
      headers: { "content-length": String(200 * MiB) },
      token,
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe("a log chunk is larger than the limit of 1 MiB");
    expect((await peakRss(server.proc.pid)) - before).toBeLessThan(32 * MiB);
  });

  test("a 4 MiB log keeps 64 KiB on disk, head and tail, served by offset and by Range", async () => {
    const line = (i: number) => `build output line ${i} ${"·".repeat(60)}\n`;
    let sent = "";
    for (let chunk = 0; chunk < 8; chunk++) {
      let text = "";
      for (let i = 0; text.length < 512 * 1024; i++) text += line(chunk * 100_000 + i);
      expect((await send(text)).status).toBe(204);
      sent += text;
    }
    const dir = join(server.dataDir, "logs", String(lease.build_id));
    expect(dirBytes(dir)).toBeLessThanOrEqual(64 * 1024);

    const first = await server.api<{ text: string; offset: number }>(`/api/v1/builds/${lease.build_id}/log`);
    expect(first.body.text.startsWith(sent.slice(0, 1000))).toBe(true);
    expect(first.body.text).toMatch(/bytes of this log were dropped: it passed its limit of 64 KiB/);
    expect(first.body.offset).toBe(Buffer.byteLength(sent));
    const tail = sent.slice(-1000);
    expect(first.body.text.endsWith(tail)).toBe(true);

    const txt = await fetch(`${server.url}/builds/${lease.build_id}/log.txt`);
    const body = await txt.text();
    expect(body).toBe(first.body.text);
    const ranged = await fetch(`${server.url}/builds/${lease.build_id}/log.txt`, { headers: { range: "bytes=-100" } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe(Buffer.from(body).subarray(-100).toString());
    const bad = await fetch(`${server.url}/builds/${lease.build_id}/log.txt`, { headers: { range: "lines=1-2" } });
    expect(bad.status).toBe(400);
  });
});
