// GitLab source tracking end to end: a real `buildbtw serve` in GitLab mode against the GitLab double.
// Each way a push can reach the server is proved alone: the webhook (with every other path an hour
// away), the origin fetch, and the GraphQL activity sweep under GitLab's hourly activity coalescing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { GitlabDouble } from "./gitlab-double";
import { addPackages, packageFiles, SIGNING_TOKEN, startGitlabServer, WEBHOOK_SECRET } from "./gitlab-double/packages";
import { git, removeDir } from "./support/git";
import { type ServerProcess, waitFor } from "./support/processes";

type Server = ServerProcess & { reposDir: string };
interface Detail {
  iteration: { id: number; reason: string; architectures: Record<string, { nodes: { pkgbase: string }[] }> } | null;
}

const UNIVERSE = [
  { pkgbase: "zlib" },
  { pkgbase: "libpng", depends: ["zlib"] },
  { pkgbase: "cairo", depends: ["libpng"] },
  { pkgbase: "libc++", path: "libcplusplus", depends: ["zlib"] },
  { pkgbase: "tree", path: "unix-tree" },
];

/** The commit the server's clone has for a pkgbase's main (origin/main), or null before it is cloned. */
function localHead(server: Server, pkgbase: string): string | null {
  const dir = join(server.reposDir, pkgbase);
  if (!existsSync(join(dir, ".git"))) return null;
  try {
    return git(dir, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/main");
  } catch {
    return null;
  }
}

/**
 * A namespace on zlib/main, returned once its iteration has every member: the first sweep clones the
 * group in the background, so the namespace may start on part of it and gain members as clones land.
 */
async function createNamespace(server: Server, name: string, origins: string[]): Promise<number> {
  await waitFor(`namespace ${name} to be created`, async () => {
    const r = await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ name, origin_changesets: origins }),
    });
    return r.status === 201;
  });
  const members = ["cairo", "libc++", "libpng", "zlib"];
  return waitFor("an iteration with every member", async () => {
    const it = await iteration(server, name);
    const nodes = it?.architectures.x86_64?.nodes.map((n) => n.pkgbase).sort();
    return JSON.stringify(nodes) === JSON.stringify(members) ? it?.id : undefined;
  });
}

async function iteration(server: Server, name: string) {
  return (await server.api<Detail>(`/api/v1/namespaces/${name}`)).body.iteration;
}

const secretLogs = (server: Server, secrets: string[]) => server.logs.filter((l) => secrets.some((s) => l.includes(s)));

describe("webhooks", () => {
  let gl: GitlabDouble;
  let server: Server;
  let hookUrl: string;

  beforeAll(async () => {
    gl = await GitlabDouble.start();
    addPackages(gl, UNIVERSE);
    server = await startGitlabServer(gl, {
      GITLAB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GITLAB_WEBHOOK_SIGNING_TOKEN: SIGNING_TOKEN,
    });
    hookUrl = `${server.url}/api/v1/gitlab/webhook`;
    gl.addHook({ url: hookUrl, token: WEBHOOK_SECRET, signingToken: SIGNING_TOKEN });
  });

  afterAll(async () => {
    await server?.stop();
    await gl?.close();
    removeDir(server?.dataDir ?? "");
  });

  test("a fresh server clones every project of the group under its pkgbase (+ and reserved names mapped)", async () => {
    for (const { pkgbase } of UNIVERSE) {
      const head = await waitFor(`${pkgbase} to be cloned`, () => localHead(server, pkgbase));
      expect(head).toBe(gl.head(pkgbase));
    }
    expect(existsSync(join(server.reposDir, "libcplusplus"))).toBe(false);
    expect(existsSync(join(server.reposDir, "unix-tree"))).toBe(false);
  });

  test("a push webhook fetches the pushed repository at once and starts a new iteration", async () => {
    const first = await createNamespace(server, "zlib-hook", ["zlib/main"]);
    const pushed = await gl.push("libpng", packageFiles({ pkgbase: "libpng", depends: ["zlib"], pkgrel: "2" }));
    await gl.deliveriesSettled();
    const delivery = gl.deliveries.at(-1)!;
    expect(delivery).toMatchObject({ event: "Push Hook", url: hookUrl, status: 202 });
    // Every other way to notice the push is an hour away: only the webhook can do this.
    const next = await waitFor(
      "a new iteration",
      async () => {
        const it = await iteration(server, "zlib-hook");
        return it && it.id !== first ? it : undefined;
      },
      15_000,
    );
    expect(next.reason).toBe("graph_changed");
    expect(localHead(server, "libpng")).toBe(pushed);
  });

  test("unauthenticated or wrongly signed webhooks are refused (401/403) and nothing is fetched", async () => {
    const before = localHead(server, "cairo");
    const it = await iteration(server, "zlib-hook");
    const pushed = await gl.push(
      "cairo",
      packageFiles({ pkgbase: "cairo", depends: ["libpng"], pkgrel: "2" }),
      "x",
      "main",
      {
        hooks: false,
      },
    );
    const body = JSON.stringify({
      object_kind: "push",
      ref: "refs/heads/main",
      before,
      after: pushed,
      project: { id: gl.project("cairo").id, name: "cairo", path_with_namespace: `${gl.group}/cairo` },
    });
    const post = (headers: Record<string, string>) =>
      fetch(hookUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const ts = String(Math.floor(Date.now() / 1000));
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: string }).error).toContain("X-Gitlab-Token");
    expect((await post({ "x-gitlab-token": "not-the-secret" })).status).toBe(403);
    // The right secret but no signature (the signing token is configured too): 401.
    expect((await post({ "x-gitlab-token": WEBHOOK_SECRET })).status).toBe(401);
    const forged = {
      "x-gitlab-token": WEBHOOK_SECRET,
      "webhook-id": "forged",
      "webhook-timestamp": ts,
      "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    };
    expect((await post(forged)).status).toBe(403);

    // A genuine delivery after the refused ones is processed; the refused ones left no trace.
    const treeHead = await gl.push("tree", { README: "touched" }, "touch");
    await waitFor("tree to be fetched", () => localHead(server, "tree") === treeHead);
    expect(localHead(server, "cairo")).toBe(before);
    expect((await iteration(server, "zlib-hook"))?.id).toBe(it?.id);
    expect(server.logs.filter((l) => l.includes('"webhook refused"')).length).toBeGreaterThanOrEqual(4);
  });

  test("neither the GitLab token nor the webhook secrets appear in the server's log", () => {
    expect(secretLogs(server, [gl.apiToken, WEBHOOK_SECRET, SIGNING_TOKEN.slice(6, 30)])).toEqual([]);
  });
});

describe("origin fetches", () => {
  let gl: GitlabDouble;
  let server: Server;

  beforeAll(async () => {
    gl = await GitlabDouble.start();
    addPackages(gl, UNIVERSE);
    // No webhook, sweep an hour away: only the origin fetch can notice pushes.
    server = await startGitlabServer(gl, { BUILDBTW_ORIGIN_FETCH_INTERVAL_MS: "1000" });
  });

  afterAll(async () => {
    await server?.stop();
    await gl?.close();
    removeDir(server?.dataDir ?? "");
  });

  test("a push to an origin's branch is fetched on the next origin fetch and starts a new iteration", async () => {
    const first = await createNamespace(server, "zlib-origin", ["zlib/main"]);
    const pushed = await gl.push("zlib", packageFiles({ pkgbase: "zlib", pkgrel: "2" }), "rebuild", "main", {
      hooks: false,
    });
    const next = await waitFor(
      "a new iteration",
      async () => {
        const it = await iteration(server, "zlib-origin");
        return it && it.id !== first ? it : undefined;
      },
      20_000,
    );
    expect(next.reason).toBe("graph_changed");
    expect(localHead(server, "zlib")).toBe(pushed);
    // Nothing outside the namespace's origins was fetched for it.
    const treeBefore = localHead(server, "tree");
    await gl.push("tree", { README: "x" }, "x", "main", { hooks: false });
    const zlibAgain = await gl.push("zlib", packageFiles({ pkgbase: "zlib", pkgrel: "3" }), "again", "main", {
      hooks: false,
    });
    await waitFor("zlib fetched again", () => localHead(server, "zlib") === zlibAgain, 20_000);
    expect(localHead(server, "tree")).toBe(treeBefore);
  });
});

describe("activity sweep", () => {
  let gl: GitlabDouble;
  let server: Server;

  beforeAll(async () => {
    // GitLab bumps last_activity_at at most hourly: a second push within the hour changes nothing.
    gl = await GitlabDouble.start({ activityCoalesceMs: 60 * 60_000 });
    addPackages(gl, UNIVERSE);
    // No webhook, origin fetches an hour away: only the GraphQL sweep can notice pushes.
    server = await startGitlabServer(gl, { BUILDBTW_GITLAB_SWEEP_INTERVAL_MS: "1500" });
  });

  afterAll(async () => {
    await server?.stop();
    await gl?.close();
    removeDir(server?.dataDir ?? "");
  });

  test("a push seen only by the sweep — its activity time unchanged — creates the iteration on the next sweep", async () => {
    const first = await createNamespace(server, "zlib-sweep", ["zlib/main"]);
    const activity = gl.project("libpng").lastActivityAt;
    const since = Date.now();
    const pushed = await gl.push(
      "libpng",
      packageFiles({ pkgbase: "libpng", depends: ["zlib"], pkgrel: "5" }),
      "x",
      "main",
      {
        hooks: false,
      },
    );
    expect(gl.project("libpng").lastActivityAt).toBe(activity);
    const next = await waitFor(
      "a new iteration",
      async () => {
        const it = await iteration(server, "zlib-sweep");
        return it && it.id !== first ? it : undefined;
      },
      20_000,
    );
    expect(next.reason).toBe("graph_changed");
    expect(localHead(server, "libpng")).toBe(pushed);
    expect(gl.requests.some((r) => r.path === "/api/graphql" && r.at >= since)).toBe(true);
    // The sweep after a complete one reads GraphQL only (no full REST listing).
    expect(gl.requests.filter((r) => r.path.includes("/groups/") && r.at >= since)).toEqual([]);
  });
});
