// Issue 5 in a real browser: Debian's chromium (playwright-core) against a real `serve` and a real
// `worker --driver fake` whose builds take a moment. Statuses change on the open namespace page without a
// reload, a running build's log follows live, and a failed node is retried with a click. Screenshots land in
// test-artifacts/ (git-ignored) for a person to look at.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { Browser } from "playwright-core";
import { launchBrowser, openPage, screenshot } from "./support/browser";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Node {
  id: number;
  pkgbase: string;
  status: string;
}
interface Detail {
  iteration: { architectures: Record<string, { nodes: Node[] }> } | null;
}

let tmp: string;
let server: ServerProcess;
let browser: Browser;
let worker: Subprocess | undefined;
let armToken: string;

beforeAll(async () => {
  tmp = makeTempDir();
  const repos = join(tmp, "repos");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "zlib" });
  add({ pkgbase: "libpng", depends: ["zlib"] });
  add({ pkgbase: "freetype", depends: ["zlib", "libpng"] });
  add({ pkgbase: "cairo", depends: ["libpng", "freetype"] });
  add({ pkgbase: "fonts", arch: ["any"], depends: ["freetype"] });
  // Built only for aarch64, which the fake worker does not take: this test fails it on cue.
  add({ pkgbase: "armtool", arch: ["aarch64"] });
  add({ pkgbase: "armapp", arch: ["aarch64"], depends: ["armtool"] });
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  armToken = await server.workerToken("arm-test");
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  worker?.kill("SIGKILL");
  await browser?.close();
  await server?.stop();
  removeDir(tmp);
});

const nodes = async (name: string, arch = "x86_64") =>
  (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body.iteration?.architectures[arch]?.nodes ?? [];

describe("the web UI in chromium", () => {
  test("a namespace page follows its builds without reloading; a running build's log follows live", async () => {
    expect(
      (
        await server.api("/api/v1/namespaces", {
          method: "POST",
          body: JSON.stringify({ origin_changesets: ["zlib/main"] }),
        })
      ).status,
    ).toBe(201);
    await waitFor("zlib's iteration", async () => (await nodes("zlib")).length === 5);

    const { page, foreign, errors } = await openPage(browser, server.url);
    await page.goto(`${server.url}/namespaces/zlib`);
    await page.waitForSelector("#live-state:text('live')", { timeout: 10_000 });
    await screenshot(page, "browser-namespace-before");
    // A marker that a reload would wipe out.
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "still here";
    });
    expect(await page.locator("svg.dag a.node[data-status='built']").count()).toBe(0);

    const token = await server.workerToken("w1");
    worker = startWorker({
      server: server.url,
      token,
      workDir: join(tmp, "work"),
      args: ["--fake-delay-ms", "1500", "--concurrency", "2"],
    });

    // zlib builds first: its node, its row and the counts change in place.
    await page.waitForSelector("svg.dag a.node[data-label='zlib'][data-status='built']", { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector("#builds tbody tr")?.textContent?.includes("built"), null, {
      timeout: 10_000,
    });
    expect(await page.locator("#builds tbody tr").first().locator(".st-word").textContent()).toBe("built");
    await page.waitForFunction(
      () => document.querySelector("#summary p")?.textContent?.includes("1 of 5 built"),
      null,
      {
        timeout: 10_000,
      },
    );
    // libpng's row stopped waiting for zlib the moment zlib was built.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll("#builds tbody tr")).some(
          (tr) =>
            tr.querySelector("th > a")?.textContent === "freetype" && /waits for libpng$/.test(tr.textContent ?? ""),
        ),
      null,
      { timeout: 10_000 },
    );
    await screenshot(page, "browser-namespace-during");

    // Open freetype's build page while it runs and watch its log grow.
    const freetype = (await nodes("zlib")).find((n) => n.pkgbase === "freetype")!;
    // The browser side is readied first: the build takes only 1.5 s once it has started.
    const log = await openPage(browser, server.url);
    await waitFor("freetype to start", async () =>
      ["scheduled", "building"].includes((await nodes("zlib")).find((n) => n.pkgbase === "freetype")!.status),
    );
    const opened = await log.page.goto(`${server.url}/builds/${freetype.id}`);
    await log.page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "still here";
    });
    // The page as the server rendered it, before the live stream could add to it: the build had not finished.
    expect(await opened!.text()).not.toContain("finished fake build of freetype");
    await log.page.waitForFunction(
      () => document.querySelector("#log")?.textContent?.includes("==> finished fake build of freetype"),
      null,
      { timeout: 30_000 },
    );
    await log.page.waitForSelector("#build-head .st-word:text('built')", { timeout: 10_000 });
    await log.page.waitForSelector("#artifacts a[href$='.pkg.tar.zst']", { timeout: 10_000 });
    expect(await log.page.locator("#live-state").textContent()).toBe("finished");
    expect(await log.page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("still here");
    await screenshot(log.page, "browser-build-log");

    // Everything built, still the same page.
    await page.waitForFunction(
      () => document.querySelector("#summary p")?.textContent?.includes("5 of 5 built"),
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await page.locator("svg.dag a.node[data-status='built']").count()).toBe(5);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("still here");
    await screenshot(page, "browser-namespace-after");
    expect(foreign).toEqual([]);
    expect(log.foreign).toEqual([]);
    expect([...errors, ...log.errors]).toEqual([]);
  }, 120_000);

  test("log in, then retry a failed node with one click", async () => {
    expect(
      (
        await server.api("/api/v1/namespaces", {
          method: "POST",
          body: JSON.stringify({ origin_changesets: ["armtool/main"] }),
        })
      ).status,
    ).toBe(201);
    await waitFor("armtool's iteration", async () => (await nodes("armtool", "aarch64")).length === 2);
    // This test is the aarch64 worker: it takes armtool and fails it.
    const lease = await server.api<{ lease_id: string; pkgbase: string }>("/api/v1/leases", {
      method: "POST",
      token: armToken,
      body: JSON.stringify({ architectures: ["aarch64"], wait_ms: 5000 }),
    });
    expect(lease.body.pkgbase).toBe("armtool");
    await server.api(`/api/v1/leases/${lease.body.lease_id}/log`, {
      method: "POST",
      token: armToken,
      body: "configure: error: no C compiler\n",
      headers: { "content-type": "text/plain" },
    });
    await server.api(`/api/v1/leases/${lease.body.lease_id}/result`, {
      method: "POST",
      token: armToken,
      body: JSON.stringify({ status: "failed", reason: "configure failed" }),
    });

    const { page, foreign, errors } = await openPage(browser, server.url, { colorScheme: "dark" });
    await page.goto(`${server.url}/namespaces/armtool`);
    expect(await page.locator("#builds tbody button").count()).toBe(0);
    await page.click("text=Log in");
    await page.fill("#token", server.adminToken);
    await page.click("button:text('Log in')");
    await page.waitForURL(`${server.url}/namespaces/armtool`);
    await page.waitForSelector("#live-state:text('live')", { timeout: 10_000 });
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "still here";
    });
    const row = page
      .locator("#builds tbody tr")
      .filter({ has: page.locator("th > a:first-child", { hasText: /^armtool$/ }) });
    expect(await row.locator(".st-word").textContent()).toBe("failed");
    expect(await row.textContent()).toContain("configure failed");
    await screenshot(page, "browser-retry-before");

    await row.locator("button:text('Retry armtool')").click();
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll("#builds tbody tr")).some(
          (tr) =>
            tr.querySelector("th > a")?.textContent === "armtool" &&
            tr.querySelector(".st-word")?.textContent === "pending",
        ),
      null,
      { timeout: 10_000 },
    );
    // The live stream recolours the graph and recounts, still without a reload.
    await page.waitForSelector("svg.dag a.node[data-label='armtool'][data-status='pending']", { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#summary p")?.textContent?.includes("0 failed"), null, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("still here");
    expect((await nodes("armtool", "aarch64")).find((n) => n.pkgbase === "armtool")!.status).toBe("pending");
    await screenshot(page, "browser-retry-after");
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
