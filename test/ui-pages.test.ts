// Issue 5: the web UI over real HTTP against a real `serve` process — every page, fragment, live stream and
// action, the 404s of unknown things and the 401/403 of actions without rights. The test plays a worker
// through the real lease protocol where it needs a build to run or fail on cue, and starts a real
// `worker --driver fake` where it needs real packages.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { commit, makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Node {
  id: number;
  pkgbase: string;
  commit: string;
  status: string;
  attempts: number;
}
interface Detail {
  namespace: { name: string; status: string };
  iteration: { id: number; reason: string; architectures: Record<string, { nodes: Node[] }> } | null;
  iterations: { id: number; reason: string }[];
}
interface Lease {
  lease_id: string;
  build_id: number;
  pkgbase: string;
}

let tmp: string;
let repos: string;
let server: ServerProcess;
let workerToken: string;
const procs: Subprocess[] = [];

beforeAll(async () => {
  tmp = makeTempDir();
  repos = join(tmp, "repos");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "zlib" });
  add({ pkgbase: "libpng", depends: ["zlib"] });
  add({ pkgbase: "freetype", depends: ["zlib", "libpng"] });
  add({ pkgbase: "cairo", depends: ["libpng", "freetype"] });
  add({ pkgbase: "fonts", arch: ["any"], depends: ["freetype"] });
  // A cycle: cyca needs cycb to build, cycb depends on cyca at run time.
  add({ pkgbase: "cyca", depends: ["zlib"], makedepends: ["cycb"] });
  add({ pkgbase: "cycb", depends: ["cyca"] });
  // A large graph (> 150 nodes): python and 170 modules in a few depths.
  add({ pkgbase: "python" });
  for (let i = 0; i < 170; i++)
    add({ pkgbase: `python-m${i}`, depends: i < 40 ? ["python"] : ["python", `python-m${i % 40}`] });
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: {
      BUILDBTW_REF_CHECK_INTERVAL_MS: "600000",
      BUILDBTW_COMMIT_URL_TEMPLATE: "https://forge.test/{project}/-/commit/{commit}",
    },
  });
  workerToken = await server.workerToken("tw");
  const created = await server.api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
  });
  expect(created.status).toBe(201);
  await waitFor("zlib's first iteration", async () => (await detail("zlib")).iteration);
}, 120_000);

afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
});

// ── helpers ─────────────────────────────────────────────────────────────────

const detail = async (name: string) => (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body;
const nodeOf = async (name: string, pkgbase: string) =>
  (await detail(name)).iteration!.architectures.x86_64!.nodes.find((n) => n.pkgbase === pkgbase)!;

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(form),
    headers,
    redirect: "manual",
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const decode = (t: string) =>
  t
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** Text of every element matching `selector` (element boundaries count as spaces), read with Bun's HTML parser. */
async function texts(page: string, selector: string): Promise<string[]> {
  const found: string[][] = [];
  const open = new Set<string[]>();
  // An element has one end-tag handler: the catch-all handler below owns it and closes what the selector opened.
  let opened: string[] | null = null;
  await new HTMLRewriter()
    .on(selector, {
      element() {
        opened = [];
        found.push(opened);
      },
    })
    .on("*", {
      element(el) {
        for (const c of open) c.push(" ");
        const mine = opened;
        opened = null;
        if (mine) open.add(mine);
        if (VOID.has(el.tagName)) {
          if (mine) open.delete(mine);
          return;
        }
        el.onEndTag(() => {
          for (const c of open) c.push(" ");
          if (mine) open.delete(mine);
        });
      },
      text(t) {
        for (const c of open) c.push(t.text);
      },
    })
    .transform(new Response(page))
    .text();
  return found.map((parts) => decode(parts.join("")).replace(/\s+/g, " ").trim());
}

const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

/** Attribute values of every element matching `selector`. */
async function attrs(page: string, selector: string, name: string): Promise<string[]> {
  const found: string[] = [];
  await new HTMLRewriter()
    .on(selector, {
      element(el) {
        const v = el.getAttribute(name);
        if (v !== null) found.push(decode(v));
      },
    })
    .transform(new Response(page))
    .text();
  return found;
}

/** A logged-in browser: its session cookie, and the CSRF token from the last page it read. */
async function logIn(): Promise<{ cookie: string; csrf: (page: string) => Promise<string> }> {
  const res = await post("/login", { token: server.adminToken, next: "/namespaces/zlib" });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return {
    cookie: setCookie.split(";")[0]!,
    csrf: async (page) => (await attrs(page, 'input[name="_csrf"]', "value"))[0] ?? "",
  };
}

const worker = (path: string, body?: unknown, raw?: string) =>
  server.api<Lease & { cancelled?: boolean }>(path, {
    method: "POST",
    token: workerToken,
    body: raw ?? JSON.stringify(body ?? {}),
    headers: raw !== undefined ? { "content-type": "text/plain" } : undefined,
  });

async function leaseFor(pkgbase: string): Promise<Lease> {
  const lease = await worker("/api/v1/leases", { architectures: ["x86_64"], wait_ms: 5000 });
  expect(lease.status).toBe(200);
  expect(lease.body.pkgbase).toBe(pkgbase);
  return lease.body;
}

interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Read a live stream until `until` holds for the events so far (or the deadline passes). */
async function readEvents(
  path: string,
  until: (events: SseEvent[]) => boolean,
  act?: (events: SseEvent[]) => Promise<void>,
) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}${path}`, { signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  let opened = false;
  const deadline = setTimeout(() => abort.abort(), 20_000);
  const acting = (async () => {
    // The first bytes (the retry hint) mean the stream is subscribed: act only then.
    await waitFor("the stream to open", () => opened, 10_000, 10);
    await act?.(events);
  })();
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      opened = true;
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: SseEvent = { event: "message", data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) e.event = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
          else if (line.startsWith("id: ")) e.id = line.slice(4);
        }
        e.data = data.join("\n");
        if (data.length) events.push(e);
        cut = buffer.indexOf("\n\n");
      }
    }
  } finally {
    clearTimeout(deadline);
    abort.abort();
    await acting;
  }
  return events;
}

// ── pages ───────────────────────────────────────────────────────────────────

describe("web UI over HTTP", () => {
  test("home lists every namespace with its progress, running builds and workers; only embedded assets", async () => {
    const home = await get("/");
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toContain("text/html");
    expect(home.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await texts(home.text, "h1")).toEqual(["Namespaces"]);
    const row = (await texts(home.text, 'tr[id="ns-zlib"]'))[0]!;
    expect(row).toContain("zlib/main");
    expect(row).toMatch(/active .*zlib\/main.* 0 0 7 #\d+ \(first\)/);
    expect(await attrs(home.text, 'tr[id="ns-zlib"] .progress', "aria-label")).toEqual([
      "0 built, 0 failed, 0 running of 7",
    ]);
    expect(await texts(home.text, "#running h2")).toEqual(["Running builds (0)"]);
    expect(await texts(home.text, '#workers th[scope="row"]')).toEqual(["tw"]);
    expect(await texts(home.text, "main")).toHaveLength(1);
    // Every script, stylesheet and link stays on this server.
    const external = [
      ...(await attrs(home.text, "script", "src")),
      ...(await attrs(home.text, "link", "href")),
      ...(await attrs(home.text, "a", "href")),
    ].filter((u) => /^(https?:)?\/\//.test(u));
    expect(external).toEqual([]);

    const scripts = await attrs(home.text, "script", "src");
    expect(scripts.map((s) => s.split("?")[0])).toEqual(["/assets/htmx.min.js", "/assets/ui.js"]);
    const htmx = await get(scripts[0]!);
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get("content-type")).toContain("javascript");
    expect(htmx.headers.get("cache-control")).toContain("immutable");
    expect(htmx.text).toContain("htmx");
    const css = await get((await attrs(home.text, 'link[rel="stylesheet"]', "href"))[0]!);
    expect(css.text).toContain("prefers-color-scheme: dark");
    expect((await get("/assets/nope.js")).status).toBe(404);
    // Browsers that take gzip get it; the body is the same.
    const gz = await fetch(`${server.url}${scripts[0]}`, { headers: { "accept-encoding": "gzip" } });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(await gz.text()).toBe(htmx.text);
  });

  test("namespace page: iteration, tabs, drawn graph, build table with filters and search, a node's blockers, cycles, pacman.conf", async () => {
    const d = await detail("zlib");
    const page = await get("/namespaces/zlib");
    expect(page.status).toBe(200);
    expect((await texts(page.text, "h1"))[0]).toBe("zlib active");
    expect(await texts(page.text, 'nav[aria-label="Architectures"] a')).toEqual(["x86_64 (7 packages)"]);
    const iterations = await texts(page.text, 'section[aria-labelledby="iterations-h"] tbody tr');
    expect(iterations).toEqual([`#${d.iteration!.id} latest (shown) just now first`]);

    // Seven packages: a drawn graph, each node a link to its build, coloured by status.
    const nodes = await attrs(page.text, "svg.dag a.node", "data-label");
    expect(nodes.sort()).toEqual(["cairo", "cyca", "cycb", "fonts", "freetype", "libpng", "zlib"]);
    const hrefs = await attrs(page.text, "svg.dag a.node", "href");
    const zlib = d.iteration!.architectures.x86_64!.nodes.find((n) => n.pkgbase === "zlib")!;
    expect(hrefs).toContain(`/builds/${zlib.id}`);
    expect(await attrs(page.text, `svg.dag a.node[data-build="${zlib.id}"]`, "data-status")).toEqual(["pending"]);
    // 8 edges; zlib → freetype and libpng → cairo are implied by longer chains and not drawn.
    expect((await texts(page.text, "svg.dag path.edge title")).sort()).toEqual([
      "cyca before cycb",
      "freetype before cairo",
      "freetype before fonts",
      "libpng before freetype",
      "zlib before cyca",
      "zlib before libpng",
    ]);
    expect((await texts(page.text, 'section[aria-labelledby="graph-h"] p'))[0]).toContain(
      "2 more edges are implied by longer chains",
    );

    // The table: build order, status word, commit linked to the configured forge.
    const rows = await texts(page.text, "#builds tbody tr");
    expect(rows).toHaveLength(7);
    // Nothing was ever built: the estimate is the configured default (30 min). The origin is built as
    // committed; its dependents are rebuilds with their pkgrel bumped.
    expect(rows[0]).toMatch(/^pending zlib deps 1\.0\.0-1 [0-9a-f]{10} — ~30 min 0$/);
    expect(rows.find((r) => r.includes("libpng"))).toContain("1.0.0-1 → 1.0.0-2 (rebuild)");
    expect(rows.find((r) => r.includes("cairo"))).toContain("waits for libpng, freetype");
    expect(await attrs(page.text, "#builds tbody a[href^='https://forge.test/']", "href")).toContain(
      `https://forge.test/zlib/-/commit/${zlib.commit}`,
    );
    expect(await texts(page.text, "#status-tabs a")).toEqual([
      "all (7)",
      "failed (0)",
      "building (0)",
      "scheduled (0)",
      "pending (1)",
      "blocked (6)",
      "built (0)",
    ]);
    const blocked = await get("/namespaces/zlib?status=blocked");
    expect((await texts(blocked.text, "#builds tbody th a:first-child")).sort()).toEqual([
      "cairo",
      "cyca",
      "cycb",
      "fonts",
      "freetype",
      "libpng",
    ]);
    const searched = await get("/namespaces/zlib?q=PNG");
    expect(await texts(searched.text, "#builds tbody th a:first-child")).toEqual(["libpng"]);
    const none = await get("/namespaces/zlib?q=nothing-like-this");
    expect(await texts(none.text, "#builds tbody td")).toEqual(["No builds match."]);

    // A selected node: what blocks it, what it unblocks.
    const focus = await get("/namespaces/zlib?node=freetype");
    const panel = (await texts(focus.text, "#focus"))[0]!;
    expect(panel).toContain("It waits for 2 unbuilt packages");
    expect(await texts(focus.text, "#focus .two-col > div:first-child > ul.members a")).toEqual([
      "zlib",
      "zlib",
      "libpng",
    ]);
    expect(panel).toContain("2 packages in this graph wait for it");

    // The cycle and the edge dropped to break it, explained.
    const cycles = (await texts(page.text, 'section[aria-labelledby="cycles-h"]'))[0]!;
    expect(cycles).toContain("Cycles (1)");
    expect(cycles).toContain("cyca ⇄ cycb");
    expect(cycles).toContain("cyca needs to build (makedepends) cycb");
    expect(cycles).toContain("A cycle never fails the namespace");

    const conf = (await texts(page.text, 'section[aria-labelledby="pacman-h"] pre'))[0]!;
    expect(conf).toBe(`[buildbtw-zlib] SigLevel = Optional TrustAll Server = ${server.url}/repo/zlib/latest/os/$arch`);

    // The iteration's own URL shows the same, with the iteration's repository.
    const byId = await get(`/namespaces/zlib/iterations/${d.iteration!.id}?arch=x86_64`);
    expect(byId.status).toBe(200);
    expect((await texts(byId.text, "#builds tbody tr")).length).toBe(7);
  });

  test("unknown namespaces, iterations, architectures, builds and nodes are 404 pages; malformed input is 400", async () => {
    const cases: [string, number, string][] = [
      ["/namespaces/nope", 404, "no namespace named nope"],
      ["/namespaces/zlib/iterations/9999", 404, "namespace zlib has no iteration 9999"],
      ["/namespaces/zlib?arch=aarch64", 404, "has no aarch64 graph"],
      ["/namespaces/zlib?node=gtk4", 404, "gtk4 is not in iteration"],
      ["/builds/999999", 404, "no build with id 999999"],
      ["/builds/999999/log.txt", 404, "no build with id 999999"],
      ["/builds/999999/events", 404, "no build with id 999999"],
      ["/namespaces/nope/iterations/1/events?arch=x86_64", 404, "no namespace named nope"],
      ["/namespaces/zlib/iterations/1/groups/99?arch=x86_64", 404, ""],
      ["/namespaces/zlib?status=exploded", 400, "status"],
      ["/namespaces/zlib?page=-1", 400, "page"],
      ["/builds/abc", 400, ""],
      ["/namespaces/..%2Fetc", 400, "namespace name"],
    ];
    for (const [path, status, message] of cases) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.headers.get("content-type")).toContain("text/html");
      if (message) expect((await texts(res.text, ".error-box"))[0]).toContain(message);
      expect(res.text).not.toMatch(/\n\s+at /);
    }
  });

  test("actions without a login or with an unknown token are 401, with a wrong CSRF token or origin 403, and change nothing", async () => {
    const actions = ["cancel", "resume", "retry", "retry-node"];
    for (const verb of actions) {
      const path = `/namespaces/zlib/${verb}`;
      expect({ verb, status: (await post(path, { pkgbase: "zlib" })).status }).toEqual({ verb, status: 401 });
      const wrong = await post(path, { pkgbase: "zlib" }, { authorization: "Bearer not-the-admin-token" });
      expect({ verb, status: wrong.status }).toEqual({ verb, status: 401 });
    }
    const session = await logIn();
    const page = await get("/namespaces/zlib", { cookie: session.cookie });
    const csrf = await session.csrf(page.text);
    expect(csrf.length).toBeGreaterThan(20);
    const cookie = { cookie: session.cookie };
    expect((await post("/namespaces/zlib/cancel", {}, cookie)).status).toBe(403);
    const stale = await post("/namespaces/zlib/cancel", { _csrf: `${csrf}x` }, cookie);
    expect(stale.status).toBe(403);
    expect((await texts(stale.text, ".error-box"))[0]).toContain("CSRF token");
    const foreign = await post("/namespaces/zlib/cancel", { _csrf: csrf }, { ...cookie, origin: "https://evil.test" });
    expect(foreign.status).toBe(403);
    // A forged session cookie is no session.
    const forged = await post("/namespaces/zlib/cancel", { _csrf: csrf }, { cookie: `${session.cookie}x` });
    expect(forged.status).toBe(401);
    expect((await detail("zlib")).namespace.status).toBe("active");
    // Bad input from a logged-in browser: a clear 400, nothing changed.
    const bad = await post("/namespaces/zlib/retry-node", { _csrf: csrf, pkgbase: "../etc" }, cookie);
    expect(bad.status).toBe(400);
    expect((await texts(bad.text, ".error-box"))[0]).toContain("pkgbase");
  });

  test("a failing build: live log over SSE, running builds on home, failure reason, attempts; retry puts it back", async () => {
    const zlib = await nodeOf("zlib", "zlib");
    const lease = await leaseFor("zlib");
    expect(lease.build_id).toBe(zlib.id);
    expect((await worker(`/api/v1/leases/${lease.lease_id}/log`, undefined, "==> compiling zlib\n")).status).toBe(204);

    const home = await get("/");
    expect(await texts(home.text, "#running h2")).toEqual(["Running builds (1)"]);
    expect((await texts(home.text, "#running tbody tr"))[0]).toMatch(/^zlib zlib x86_64 building tw \d+s$/);
    expect((await texts(home.text, '#workers tr[id="worker-tw"] td'))[1]).toBe("zlib (zlib)");

    const page = await get(`/builds/${zlib.id}`);
    expect(page.status).toBe(200);
    expect((await texts(page.text, "#build-head h1"))[0]).toBe("zlib x86_64 building");
    expect((await texts(page.text, "#log"))[0]).toBe("==> compiling zlib");
    const live = (await attrs(page.text, "[data-live]", "data-live"))[0]!;
    expect(live).toStartWith(`/builds/${zlib.id}/events?offset=19`);

    // Follow the log: appended chunks arrive, then the result, then the stream ends.
    const events = await readEvents(
      live,
      (es) => es.some((e) => e.event === "done"),
      async () => {
        await worker(`/api/v1/leases/${lease.lease_id}/log`, undefined, "make: *** [all] Error 2\n");
        await worker(`/api/v1/leases/${lease.lease_id}/result`, {
          status: "failed",
          reason: "make failed with status 2",
        });
      },
    );
    expect(
      events
        .filter((e) => e.event === "log")
        .map((e) => e.data)
        .join(""),
    ).toBe("make: *** [all] Error 2\n");
    const swap = events.find((e) => e.event === "swap")!.data;
    expect(swap).toContain('id="build-head"');
    expect((await texts(swap, "#build-head .error-box"))[0]).toBe("Failed: make failed with status 2");
    expect(events.at(-1)).toMatchObject({ event: "done", data: "failed" });

    const failed = await get(`/builds/${zlib.id}`);
    expect((await texts(failed.text, "#build-head .error-box"))[0]).toBe("Failed: make failed with status 2");
    const facts = await texts(failed.text, "#build-head dd");
    expect(facts).toContain("tw");
    expect(facts[2]).toBe("1.0.0-1 (origin: built as committed)");
    expect(facts[5]).toBe("1"); // attempts
    expect((await texts(failed.text, "#log"))[0]).toBe("==> compiling zlib make: *** [all] Error 2");
    expect(await attrs(failed.text, "[data-live]", "data-live")).toEqual([]);
    expect((await get(`/builds/${zlib.id}/log.txt`)).text).toBe("==> compiling zlib\nmake: *** [all] Error 2\n");

    // The namespace page offers a retry to a logged-in reader only.
    const anonymous = await get("/namespaces/zlib?status=failed");
    expect(await texts(anonymous.text, "#builds tbody tr")).toEqual([
      expect.stringMatching(/^failed zlib deps 1\.0\.0-1 [0-9a-f]{10} tw \d+s 1 make failed with status 2$/),
    ]);
    const session = await logIn();
    const mine = await get("/namespaces/zlib?status=failed", { cookie: session.cookie });
    expect(await texts(mine.text, "#builds tbody button")).toEqual(["Retry zlib"]);
    const csrf = await session.csrf(mine.text);

    // Retrying a build that has not failed is a conflict, said in one sentence.
    const conflict = await post(
      "/namespaces/zlib/retry-node",
      { _csrf: csrf, pkgbase: "libpng" },
      { cookie: session.cookie },
    );
    expect(conflict.status).toBe(409);
    expect((await texts(conflict.text, ".error-box"))[0]).toBe("libpng has not failed (status: x86_64 blocked)");

    // htmx posts get the changed row back.
    const retried = await post(
      "/namespaces/zlib/retry-node",
      { _csrf: csrf, pkgbase: "zlib", arch: "x86_64", next: "/namespaces/zlib?status=failed" },
      { cookie: session.cookie, "hx-request": "true" },
    );
    expect(retried.status).toBe(200);
    expect(await attrs(retried.text, "tr", "id")).toEqual([`build-${zlib.id}`]);
    expect((await texts(retried.text, "tr td"))[0]).toBe("pending");
    expect(await nodeOf("zlib", "zlib")).toMatchObject({ status: "pending", attempts: 0 });
  });

  test("the namespace stream sends only what changed: statuses, the changed rows, counts", async () => {
    const page = await get("/namespaces/zlib");
    const live = (await attrs(page.text, "[data-live]", "data-live"))[0]!;
    const zlib = await nodeOf("zlib", "zlib");
    // zlib starts building after the page was rendered but before its stream connects: the stream replays it.
    const lease = await leaseFor("zlib");
    await worker(`/api/v1/leases/${lease.lease_id}/log`, undefined, "building\n");
    expect(live).toContain("since=");
    const events = await readEvents(
      live,
      (es) => es.some((e) => e.event === "status" && e.data.includes('"failed"')),
      async (so) => {
        await waitFor("the replayed building status", () => so.some((e) => e.event === "status"), 10_000, 10);
        await worker(`/api/v1/leases/${lease.lease_id}/result`, { status: "failed", reason: "again" });
      },
    );
    expect(
      events.filter((e) => e.event === "status").flatMap((e) => JSON.parse(e.data) as [number, string][])[0],
    ).toEqual([zlib.id, "building"]);
    const statuses = events
      .filter((e) => e.event === "status")
      .flatMap((e) => JSON.parse(e.data) as [number, string][]);
    expect(statuses.every(([id]) => id === zlib.id)).toBe(true);
    expect(statuses.at(-1)).toEqual([zlib.id, "failed"]);
    const swaps = events.filter((e) => e.event === "swap").map((e) => e.data);
    const ids = (await Promise.all(swaps.map((s) => attrs(s, "[id]", "id")))).flat();
    // Only zlib's row, the summary and the status counts: nothing else of the page.
    expect(new Set(ids.filter((id) => !id.startsWith("grp-")))).toEqual(
      new Set([`build-${zlib.id}`, "summary", "status-tabs"]),
    );
    const lastTabs = swaps.filter((s) => s.includes('id="status-tabs"')).at(-1)!;
    expect(await texts(lastTabs, "#status-tabs a")).toContain("failed (1)");
    // Put it back for the real worker.
    await server.api("/api/v1/namespaces/zlib/retry-node", {
      method: "POST",
      body: JSON.stringify({ pkgbase: "zlib" }),
    });
  });

  test("a real fake worker builds everything: packages with sizes and download links; home shows the progress", async () => {
    const w = startWorker({
      server: server.url,
      token: workerToken,
      workDir: join(tmp, "work"),
      args: ["--concurrency", "2"],
    });
    procs.push(w);
    await waitFor(
      "every zlib build to finish",
      async () => (await detail("zlib")).iteration!.architectures.x86_64!.nodes.every((n) => n.status === "built"),
      60_000,
    );
    w.kill("SIGTERM");
    await w.exited;
    const zlib = await nodeOf("zlib", "zlib");
    const page = await get(`/builds/${zlib.id}`);
    expect((await texts(page.text, "#build-head h1"))[0]).toBe("zlib x86_64 built");
    const files = await texts(page.text, "#artifacts tbody th");
    expect(files).toEqual(["zlib-1.0.0-1-x86_64.pkg.tar.zst"]);
    const href = (await attrs(page.text, "#artifacts a", "href"))[0]!;
    expect(href).toBe(`/repo/zlib/${(await detail("zlib")).iteration!.id}/os/x86_64/zlib-1.0.0-1-x86_64.pkg.tar.zst`);
    const download = await fetch(`${server.url}${href}`);
    expect(download.status).toBe(200);
    const size = (await download.arrayBuffer()).byteLength;
    expect((await texts(page.text, "#artifacts tbody td"))[0]).toBe(
      size < 1024 ? `${size} B` : `${(size / 1024).toFixed(1)} KiB`,
    );
    expect((await texts(page.text, "#log"))[0]).toContain("==> finished fake build of zlib");

    const home = await get("/");
    expect(await attrs(home.text, 'tr[id="ns-zlib"] .progress', "aria-label")).toEqual([
      "7 built, 0 failed, 0 running of 7",
    ]);
    expect((await texts(home.text, '#workers tr[id="worker-tw"] td'))[0]).toBe("x86_64");
  }, 90_000);

  test("log in, cancel, resume, retry; a graph change shows its diff; log out", async () => {
    expect((await get("/login")).status).toBe(200);
    const wrong = await post("/login", { token: "nope", next: "/" });
    expect(wrong.status).toBe(403);
    expect((await texts(wrong.text, ".error-box"))[0]).toBe("that is not a personal token or the admin token");
    const login = await post("/login", { token: server.adminToken, next: "https://evil.test/" });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/");
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    const session = { cookie: cookie.split(";")[0]! };

    let page = await get("/namespaces/zlib", session);
    expect(await texts(page.text, "#ns-head button")).toEqual(["Retry: new iteration", "Cancel namespace"]);
    let res = await post(
      "/namespaces/zlib/cancel",
      { _csrf: (await attrs(page.text, "#ns-head input[name=_csrf]", "value"))[0]! },
      session,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/namespaces/zlib?done=cancelled");
    expect((await detail("zlib")).namespace.status).toBe("cancelled");
    page = await get(res.headers.get("location")!, session);
    expect((await texts(page.text, "p.notice"))[0]).toContain("The namespace is cancelled");
    expect(await texts(page.text, "#ns-head button")).toEqual(["Resume namespace"]);
    res = await post(
      "/namespaces/zlib/resume",
      { _csrf: (await attrs(page.text, "#ns-head input[name=_csrf]", "value"))[0]! },
      session,
    );
    expect(res.status).toBe(303);
    expect((await detail("zlib")).namespace.status).toBe("active");

    const before = (await detail("zlib")).iterations.length;
    page = await get("/namespaces/zlib", session);
    // A page left open on the old iteration is told that a new one replaced it.
    const notices = await readEvents(
      (await attrs(page.text, "[data-live]", "data-live"))[0]!,
      (es) => es.some((e) => e.event === "notice"),
      async () => {
        res = await post(
          "/namespaces/zlib/retry",
          { _csrf: (await attrs(page.text, "#ns-head input[name=_csrf]", "value"))[0]! },
          session,
        );
      },
    );
    expect(res.status).toBe(303);
    const after = await detail("zlib");
    expect(after.iterations.length).toBe(before + 1);
    expect(after.iteration!.reason).toBe("retry");
    expect(notices.find((e) => e.event === "notice")!.data).toContain(
      `Iteration ${after.iteration!.id} has replaced iteration`,
    );

    // fonts now also needs cairo: a new edge, so a new iteration whose diff the page spells out.
    commit(join(repos, "fonts"), {
      ".SRCINFO": srcinfo({ pkgbase: "fonts", arch: ["any"], depends: ["freetype", "cairo"] }),
    });
    await server.api("/api/v1/refresh", { method: "POST" });
    const changed = await waitFor("a graph_changed iteration", async () => {
      const d = await detail("zlib");
      return d.iteration!.reason === "graph_changed" ? d : undefined;
    });
    page = await get("/namespaces/zlib");
    const diff = (await texts(page.text, "details.diff"))[0]!;
    expect(diff).toContain(`What changed in iteration ${changed.iteration!.id}`);
    expect(diff).toContain("x86_64: 1 commit changed, 1 edge added");
    expect(diff).toContain("+ cairo → fonts");
    expect(diff).toMatch(/fonts [0-9a-f]{10} → [0-9a-f]{10}/);
    // The superseded iteration says so and links to the latest.
    const old = await get(`/namespaces/zlib/iterations/${after.iteration!.id}`);
    expect((await texts(old.text, "p.notice"))[0]).toContain(`Iteration ${after.iteration!.id} is superseded`);

    page = await get("/namespaces/zlib", session);
    const out = await post(
      "/logout",
      { _csrf: (await attrs(page.text, "header form input[name=_csrf]", "value"))[0]! },
      session,
    );
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("buildbtw_session=;");
  }, 60_000);

  test("a large graph is grouped by depth with counts; groups open lazily, or without JavaScript; no drawn hairball", async () => {
    const created = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["python/main"] }),
    });
    expect(created.status).toBe(201);
    const d = await waitFor("python's iteration", async () => {
      const x = await detail("python");
      return x.iteration ? x : undefined;
    });
    const it = d.iteration!.id;
    const page = await get("/namespaces/python");
    expect(page.status).toBe(200);
    expect(await attrs(page.text, "svg.dag", "class")).toEqual([]);
    const groups = await texts(page.text, ".groups summary");
    expect(groups).toHaveLength(3);
    expect(groups[0]).toMatch(/^Depth 0 1 package .*1 pending$/);
    expect(groups[1]).toMatch(/^Depth 1 40 packages .*40 blocked$/);
    expect(groups[2]).toMatch(/^Depth 2 130 packages .*130 blocked$/);
    // htmx loads a group's members when it is opened…
    expect(await attrs(page.text, "details#grp-2", "hx-get")).toEqual([
      `/namespaces/python/iterations/${it}/groups/2?arch=x86_64`,
    ]);
    const members = await get(`/namespaces/python/iterations/${it}/groups/2?arch=x86_64`);
    expect(members.status).toBe(200);
    expect((await texts(members.text, "li > .status > a")).length).toBe(130);
    // …and without JavaScript the group's link renders it open.
    const open = await get("/namespaces/python?depth=1");
    expect(await attrs(open.text, "details[open]", "id")).toEqual(["grp-1"]);
    expect((await texts(open.text, "details#grp-1 li > .status > a")).length).toBe(40);
    // What blocks a package deep in the graph, and what it unblocks.
    const focus = await get("/namespaces/python?node=python-m3");
    const panel = (await texts(focus.text, "#focus"))[0]!;
    expect(panel).toContain("It waits for 1 unbuilt package");
    expect(panel).toMatch(/4 packages in this graph wait for it/);
    expect(page.text.length).toBeLessThan(150_000);
  });
});
