// Our real GitLab client (gitbeaker + our transport) over real HTTP against the GitLab double:
// pagination, rate limiting with Retry-After, 5xx retries, GitLab's error shapes, GraphQL paging.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  createGitlabClient,
  type GitlabClient,
  GitlabQueryFailed,
  GitlabRefused,
  GitlabUnavailable,
  type RetryEvent,
} from "../src/gitlab";
import { GitlabDouble } from "./gitlab-double";
import { pkgbuild, srcinfo } from "./support/recipes";

const FAST = { initialMs: 20, maxMs: 100, maxAttempts: 5 };

let gl: GitlabDouble;
let client: GitlabClient;
const retries: RetryEvent[] = [];

beforeAll(async () => {
  gl = await GitlabDouble.start({ tokens: { "glpat-api-token-1": "api", "glpat-read-token-1": "read_api" } });
  // 230 projects: three pages of 100 for REST, three for GraphQL.
  for (let i = 0; i < 230; i++) gl.addProject({ name: `pkg${String(i).padStart(3, "0")}` });
  gl.addProject({
    name: "zlib",
    files: {
      PKGBUILD: pkgbuild({ pkgbase: "zlib" }),
      ".SRCINFO": srcinfo({ pkgbase: "zlib" }),
      ".gitlab-ci.yml": "build:\n  script: [true]\n",
    },
  });
  gl.addProject({ name: "noci", files: { PKGBUILD: pkgbuild({ pkgbase: "noci" }) } });
  client = createGitlabClient(
    { url: gl.url, token: "glpat-api-token-1", group: gl.group },
    { retry: FAST, onRetry: (e) => retries.push(e) },
  );
});

afterAll(async () => {
  await gl.close();
});

const since = (t: number) => gl.requests.filter((r) => r.at >= t);

describe("REST through gitbeaker", () => {
  test("every page of the group's projects is read, following Link: rel=next", async () => {
    const t = Date.now();
    const projects = await client.listGroupProjects();
    expect(projects).toHaveLength(232);
    expect(new Set(projects.map((p) => p.fullPath)).size).toBe(232);
    expect(projects.find((p) => p.name === "zlib")).toMatchObject({
      path: "zlib",
      fullPath: `${gl.group}/zlib`,
      defaultBranch: "main",
      ciConfigPath: "",
    });
    const pages = since(t).filter((r) => r.path.includes("/projects?"));
    expect(pages.map((r) => new URL(r.path, gl.url).searchParams.get("page") ?? "1")).toEqual(["1", "2", "3"]);
  });

  test("429 with Retry-After is retried after the time GitLab asks for, then succeeds", async () => {
    gl.rateLimit({ count: 2, retryAfterS: 1, style: "rack", match: /\/pipelines\/\d+$/ });
    const created = await client.createPipeline(`${gl.group}/zlib`, "main", { A: "1" });
    const t = Date.now();
    const before = retries.length;
    const shown = await client.getPipeline(created.projectId, created.id);
    expect(shown.id).toBe(created.id);
    const calls = since(t).filter((r) => r.path.endsWith(`/pipelines/${created.id}`));
    expect(calls.map((r) => r.status)).toEqual([429, 429, 200]);
    // Each retry waited at least the second Retry-After asked for (not gitbeaker's sub-second retries).
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(950);
    expect(retries.slice(before).map((r) => r.delayMs)).toEqual([1000, 1000]);
  });

  test("GitLab's application-limit 429 (JSON body) is honoured the same way", async () => {
    gl.rateLimit({ count: 1, retryAfterS: 1, style: "app", match: /\/projects\/\d+$/ });
    const t = Date.now();
    await client.setCiConfigPath(gl.project("zlib").id, "");
    const calls = since(t).filter((r) => r.method === "PUT");
    expect(calls.map((r) => r.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  test("5xx answers are retried with backoff until GitLab answers", async () => {
    gl.failNext({ count: 3, status: 503, match: /\/groups\// });
    gl.failNext({ count: 1, status: 502, match: /\/groups\// });
    const t = Date.now();
    const projects = await client.listGroupProjects();
    expect(projects).toHaveLength(232);
    expect(
      since(t)
        .filter((r) => r.path.includes("/groups/"))
        .map((r) => r.status)
        .slice(0, 5),
    ).toEqual([503, 503, 503, 502, 200]);
  });

  test("a GitLab that keeps failing gives up with GitlabUnavailable, naming the call and the last status", async () => {
    // Exactly as many failures as the client tries (FAST.maxAttempts).
    gl.failNext({ count: 5, status: 500, match: /\/groups\// });
    const error = await client.listGroupProjects().catch((e) => e);
    expect(error).toBeInstanceOf(GitlabUnavailable);
    expect(error.ambiguous).toBe(false);
    expect(error.message).toContain("GET groups/archlinux/packaging/packages/projects");
    expect(error.message).toContain("5 attempts, last: 500");
  });

  test("GitLab's refusals are final and carry its sentence, never the token", async () => {
    const noRef = await client.createPipeline(`${gl.group}/zlib`, "nope", {}).catch((e) => e);
    expect(noRef).toBeInstanceOf(GitlabRefused);
    expect(noRef.status).toBe(400);
    expect(noRef.description).toBe('{"base":["Reference not found"]}');
    const noCi = await client.createPipeline(`${gl.group}/noci`, "main", {}).catch((e) => e);
    expect(noCi.description).toContain("Missing CI config file");
    const missing = await client.getPipeline(`${gl.group}/nothing-here`, 1).catch((e) => e);
    expect(missing).toMatchObject({ status: 404, description: "404 Project Not Found" });

    const bad = createGitlabClient({ url: gl.url, token: "glpat-wrong-token", group: gl.group }, { retry: FAST });
    const unauthorized = await bad.listGroupProjects().catch((e) => e);
    expect(unauthorized).toMatchObject({ status: 401, description: "401 Unauthorized" });
    const readOnly = createGitlabClient({ url: gl.url, token: "glpat-read-token-1", group: gl.group }, { retry: FAST });
    const scope = await readOnly.createPipeline(`${gl.group}/zlib`, "main", {}).catch((e) => e);
    expect(scope).toMatchObject({ status: 403, description: "insufficient_scope" });
    for (const e of [noRef, noCi, missing, unauthorized, scope]) {
      expect(String(e.message)).not.toContain("glpat-");
      expect(JSON.stringify(e)).not.toContain("glpat-");
    }
  });

  test("a create whose answer is lost is ambiguous, and the pipeline is found by its variable", async () => {
    gl.failNext({ count: 1, status: 502, match: /\/pipeline$/, afterHandling: true });
    const error = await client.createPipeline(`${gl.group}/zlib`, "main", { MARK: "lost-answer" }).catch((e) => e);
    expect(error).toBeInstanceOf(GitlabUnavailable);
    expect(error.ambiguous).toBe(true);
    const found = await client.findPipeline(`${gl.group}/zlib`, {
      ref: "main",
      since: new Date(Date.now() - 5000),
      key: "MARK",
      match: (v) => v === "lost-answer",
    });
    expect(found?.id).toBe(gl.pipelines().at(-1)!.id);
    expect(gl.variable(found!.id, "MARK")).toBe("lost-answer");
  });
});

describe("GraphQL activity sweep", () => {
  test("pages sorted by activity are read until activity is older than asked", async () => {
    const cutoff = new Date();
    await Bun.sleep(1100);
    await gl.push("zlib", { "README.md": "one" }, "touch one");
    await gl.push("pkg007", { "README.md": "two" }, "touch two");
    const recent = await client.activeProjectsSince(cutoff);
    expect(recent.map((p) => p.name).sort()).toEqual(["pkg007", "zlib"]);
    const t = Date.now();
    const all = await client.activeProjectsSince(new Date(0));
    expect(all).toHaveLength(232);
    expect(since(t).filter((r) => r.path === "/api/graphql")).toHaveLength(3);
  });

  test("a rate-limited GraphQL call is retried; an unknown group is a clear error", async () => {
    gl.rateLimit({ count: 1, retryAfterS: 1, match: /graphql/ });
    const recent = await client.activeProjectsSince(new Date(Date.now() - 60_000));
    expect(recent.length).toBeGreaterThan(0);
    const other = createGitlabClient(
      { url: gl.url, token: "glpat-api-token-1", group: "no/such/group" },
      { retry: FAST },
    );
    const error = await other.activeProjectsSince(new Date(0)).catch((e) => e);
    expect(error).toBeInstanceOf(GitlabQueryFailed);
    expect(error.message).toContain("no/such/group");
    const bad = createGitlabClient({ url: gl.url, token: "glpat-wrong", group: gl.group }, { retry: FAST });
    expect(await bad.activeProjectsSince(new Date(0)).catch((e) => e)).toMatchObject({ status: 401 });
  });
});
