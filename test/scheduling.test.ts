// Estimates, critical-path order and the ETA, end to end: a real `serve` and one single-slot fake worker
// whose builds take known times (--fake-durations), so the order builds start in can be read back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { estimateText } from "../src/core/estimates";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

interface Node {
  pkgbase: string;
  status: string;
  started_at: string | null;
  duration_ms: number | null;
  estimate_ms: number;
  estimate_source: string;
}
interface Eta {
  remaining_ms: number;
  finish_at: string;
  builds_left: number;
  unfinishable: number;
  slots: Record<string, number>;
}
interface Detail {
  iteration: { id: number; eta: Eta | null; architectures: Record<string, { nodes: Node[] }> } | null;
}

const DEFAULT_ESTIMATE_MS = 45 * 60_000;
// After base: a chain of four short builds (aa1 → aa2 → aa3 → aa4), first in build order and longest by
// count, beside one long build (zz1) that is the longest by time.
const DURATIONS_S: Record<string, number> = { base: 0.05, aa1: 0.1, aa2: 0.1, aa3: 0.1, aa4: 0.1, zz1: 5 };

let tmp: string;
let server: ServerProcess;
let worker: Subprocess | undefined;

beforeAll(async () => {
  tmp = makeTempDir();
  const repos = join(tmp, "repos");
  const add = (spec: Parameters<typeof srcinfo>[0]) => makeRepo(repos, spec.pkgbase, srcinfo(spec));
  add({ pkgbase: "base" });
  add({ pkgbase: "aa1", depends: ["base"] });
  add({ pkgbase: "aa2", depends: ["aa1"] });
  add({ pkgbase: "aa3", depends: ["aa2"] });
  add({ pkgbase: "aa4", depends: ["aa3"] });
  add({ pkgbase: "zz1", depends: ["base"] });
  add({ pkgbase: "solo" });
  add({ pkgbase: "armonly", arch: ["aarch64"] });
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", BUILDBTW_DEFAULT_ESTIMATE: "45m" },
  });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  removeDir(tmp);
});

const nodes = (d: Detail) => new Map((d.iteration?.architectures.x86_64?.nodes ?? []).map((n) => [n.pkgbase, n]));
const show = async (name: string) => (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body;
const create = async (name: string, origin: string) =>
  expect(
    (
      await server.api("/api/v1/namespaces", {
        method: "POST",
        body: JSON.stringify({ name, origin_changesets: [origin] }),
      })
    ).status,
  ).toBe(201);
const allBuilt = (name: string) =>
  waitFor(
    `${name} to be built`,
    async () => {
      const d = await show(name);
      const ns = [...nodes(d).values()];
      return ns.length > 0 && ns.every((n) => n.status === "built") ? d : undefined;
    },
    60_000,
  );
const startedBefore = (d: Detail, a: string, b: string) => nodes(d).get(a)!.started_at! < nodes(d).get(b)!.started_at!;

describe("estimates, critical path and ETA", () => {
  test("without history every estimate is the configured default; build order and node count decide", async () => {
    await create("first", "base/main");
    const d = await waitFor("first's iteration", async () => {
      const shown = await show("first");
      return shown.iteration ? shown : undefined;
    });
    for (const n of nodes(d).values())
      expect(n).toMatchObject({ estimate_ms: DEFAULT_ESTIMATE_MS, estimate_source: "default" });

    const durations = join(tmp, "durations.json");
    writeFileSync(durations, JSON.stringify(DURATIONS_S));
    worker = startWorker({
      server: server.url,
      token: await server.workerToken("w1"),
      workDir: join(tmp, "work"),
      args: ["--concurrency", "1", "--fake-durations", durations, "--fake-time-scale", "1"],
    });
    const done = await allBuilt("first");
    // Equal (fallback) estimates: the four-build chain is the longer path, so aa1 went before zz1.
    expect(startedBefore(done, "aa1", "zz1")).toBe(true);
    expect(done.iteration!.eta).toBeNull();
  });

  test("estimates come from recorded history; unknown packages fall back to the architecture, then the default", async () => {
    // No worker from here on until the next test: nothing new is built, so nothing new is learnt.
    worker!.kill("SIGKILL");
    await worker!.exited;
    const first = nodes(await show("first"));
    expect(first.get("zz1")!.duration_ms).toBeGreaterThanOrEqual(5000);
    // One successful build each: the estimate is that build's duration.
    for (const n of first.values())
      expect(n).toMatchObject({ estimate_source: "history", estimate_ms: n.duration_ms! });

    // solo was never built: the median of every successful x86_64 build.
    await create("solo", "solo/main");
    const solo = await waitFor("solo's iteration", async () => nodes(await show("solo")).get("solo"));
    const all = [...first.values()].map((n) => n.duration_ms!).sort((a, b) => a - b);
    const median =
      all.length % 2 ? all[all.length >> 1]! : Math.round((all[all.length / 2 - 1]! + all[all.length / 2]!) / 2);
    expect(solo).toMatchObject({ estimate_source: "arch", estimate_ms: median });

    // Nothing was ever built for aarch64: the configured default.
    await create("arm", "armonly/main");
    const arm = await waitFor("arm's iteration", async () => (await show("arm")).iteration ?? undefined);
    expect(arm.architectures.aarch64!.nodes[0]).toMatchObject({
      estimate_source: "default",
      estimate_ms: DEFAULT_ESTIMATE_MS,
    });
    for (const name of ["solo", "arm"])
      await server.api(`/api/v1/namespaces/${name}`, { method: "PATCH", body: '{"status":"cancelled"}' });
  });

  test("with history the long build starts first, though build order and node count say otherwise; the ETA follows", async () => {
    worker = startWorker({
      server: server.url,
      token: await server.workerToken("w2"),
      workDir: join(tmp, "work2"),
      args: ["--concurrency", "1", "--fake-durations", join(tmp, "durations.json")],
    });
    await create("second", "base/main");
    const running = await waitFor("zz1 to run in second", async () => {
      const d = await show("second");
      return nodes(d).get("zz1")?.status === "building" ? d : undefined;
    });
    // zz1 runs while the whole aa chain still waits: it was started first.
    expect(nodes(running).get("aa1")!.status).toBe("pending");
    const eta = running.iteration!.eta!;
    expect(eta.builds_left).toBe(5);
    expect(eta.slots).toEqual({ x86_64: 1 });
    expect(eta.remaining_ms).toBeGreaterThan(0);
    expect(Date.parse(eta.finish_at)).toBeGreaterThan(Date.now() - 60_000);
    const list = await server.api<{ namespaces: { name: string; eta: Eta | null }[] }>("/api/v1/namespaces");
    expect(list.body.namespaces.find((n) => n.name === "second")!.eta).not.toBeNull();
    const out = await server.cli(["show", "second"]);
    expect(out.stdout).toMatch(/eta: {7}~\d+ s \(about .*\), 5 builds left on 1 slot/);
    // The estimates are medians of recorded durations, which include the server's overhead: on a loaded machine a
    // 5 s fake build can be recorded as 6 s, so the texts are checked against the API's estimates.
    const secondsOf = (pkgbase: string) =>
      estimateText(nodes(running).get(pkgbase)!.estimate_ms!).replace(/^~| s$/g, "");
    expect(out.stdout).toMatch(
      new RegExp(`zz1\\s+1\\.0\\.0-1 → 1\\.0\\.0-2 \\(rebuild\\)\\s+running \\d+ s of ~${secondsOf("zz1")}\\b`),
    );
    expect(out.stdout).toMatch(new RegExp(`aa1\\s+1\\.0\\.0-1 → 1\\.0\\.0-2 \\(rebuild\\)\\s+~${secondsOf("aa1")} s`));
    // The web UI says the same: the namespace page's summary and the running row, the home page's column.
    const page = await (await fetch(`${server.url}/namespaces/second`)).text();
    expect(page).toMatch(/This iteration is\s*<span class="eta">expected to finish in ~\d+ s/);
    expect(page).toMatch(
      new RegExp(
        `running <span data-since="[^"]+">[^<]+</span> <span class="muted estimate">of ~${secondsOf("zz1")} s</span>`,
      ),
    );
    const home = await (await fetch(`${server.url}/`)).text();
    expect(home).toMatch(/<time class="eta" datetime="[^"]+" title="[^"]+">~\d+ s<\/time>/);

    const done = await allBuilt("second");
    expect(startedBefore(done, "zz1", "aa1")).toBe(true);
    expect(done.iteration!.eta).toBeNull();
  });
});
