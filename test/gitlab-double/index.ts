// A GitLab test double: a real HTTP server (Bun.serve on 127.0.0.1) that implements the part of
// src/gitlab/README.md buildbtw uses, with GitLab's shapes — REST v4 (group projects with offset
// pagination and Link headers, projects, pipelines, variables, jobs, traces), GraphQL (the activity query),
// GitLab's error bodies and rate limiting — and serves the package repositories over git's smart HTTP
// (`git http-backend`), firing push and pipeline webhooks like GitLab. Our real GitLab client code talks
// to it over real HTTP; nothing in it imports buildbtw code, so it cannot share our mistakes.
// This file holds the server, its state changes and routing; model.ts the state's types and GitLab's
// statuses, shapes.ts the REST answers' JSON and pagination, job-payload.ts what a runner is handed,
// graphql.ts the activity query, git-http.ts git's smart HTTP; packages.ts sets up package projects and a
// GitLab-mode server for tests.
//
// Hook API for tests and the runner harness (test/runner-harness plays gitlab-runner on these pipelines):
//
//   const gl = await GitlabDouble.start({ tokens: { "glpat-api": "api" } });
//   gl.url, gl.group, gl.apiToken                      // http://127.0.0.1:PORT, the packages group, a token with `api`
//   gl.addProject({ name: "libc++", path: "libcplusplus", files: { PKGBUILD, ".SRCINFO", ".gitlab-ci.yml" } })
//   await gl.push("libc++", { ".SRCINFO": "…" }, "upgpkg: 2")  // a real `git push` over HTTP → activity + push hooks
//   await gl.push("zlib", files, "msg", "main", { hooks: false }) // …as if the webhook delivery were lost
//   gl.addHook({ url, token?, signingToken? })          // a group hook: push and pipeline events
//   gl.onPipelineCreated((p) => …)                      // p: DoublePipeline (id, project, ref, sha, variables, jobs)
//   gl.setPipelineStatus(id, "running")                 // any GitLab status; jobs follow; pipeline hook fires
//   gl.finishPipeline(id, "success" | "failed" | "canceled", { failureReason? })
//   gl.appendJobLog(pipelineId, text)                   // served by GET …/jobs/:id/trace (text/plain)
//   gl.jobPayload(pipelineId)                           // the runner's job payload, for JOB_RESPONSE_FILE
//   gl.rateLimit({ count, retryAfterS, style, match })  // the next `count` matching requests get 429
//   gl.failNext({ count, status, match, afterHandling }) // 5xx; afterHandling: carried out, then the answer is lost
//   gl.requests                                         // every request: { method, path, status, at }
//   gl.deliveries                                       // every webhook delivery: { event, url, status }
//   await gl.stop(); await gl.start(); await gl.restart(downMs)  // same port, state kept (a GitLab restart)
//   await gl.close()                                    // stop and remove its repositories
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Server } from "bun";
import { runHttpBackend } from "./git-http";
import { answerGraphql } from "./graphql";
import { jobPayload } from "./job-payload";
import {
  COMPLETED,
  type DoubleOptions,
  type DoublePipeline,
  type DoubleProject,
  type DoubleVariable,
  type Fault,
  type Hook,
  STATUSES,
  type TokenScope,
} from "./model";
import { iso, jobJson, json, paginate, pipelineJson, projectJson } from "./shapes";

export type {
  DoubleJob,
  DoubleOptions,
  DoublePipeline,
  DoubleProject,
  DoubleVariable,
  Hook,
  TokenScope,
} from "./model";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Double Packager",
  GIT_AUTHOR_EMAIL: "packager@example.org",
  GIT_COMMITTER_NAME: "Double Packager",
  GIT_COMMITTER_EMAIL: "packager@example.org",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync({
    cmd: ["git", "-c", "init.defaultBranch=main", "-c", "gc.auto=0", "-c", "protocol.file.allow=always", ...args],
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, ...GIT_ENV },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

export class GitlabDouble {
  readonly group: string;
  readonly apiToken: string;
  readonly requests: { method: string; path: string; status: number; at: number }[] = [];
  readonly deliveries: { event: string; url: string; status: number | null; body: unknown }[] = [];
  private readonly tokens: Record<string, TokenScope>;
  /** GitLab bumps last_activity_at at most this often (src/gitlab/README.md, GraphQL); may be changed at any time. */
  activityCoalesceMs: number;
  private readonly root: string;
  private readonly reposRoot: string;
  private readonly projects: DoubleProject[] = [];
  private readonly pipelinesById = new Map<number, DoublePipeline>();
  private readonly hooks: Hook[] = [];
  private readonly created: ((p: DoublePipeline) => void)[] = [];
  private faults: Fault[] = [];
  /** A push made with `{ hooks: false }` is in progress: no deliveries (a hook that was missed). */
  private hooksOff = false;
  private server: Server<unknown> | null = null;
  private nextId = { project: 100, pipeline: 1000, job: 5000 };
  private port = 0;
  private pendingDeliveries = new Set<Promise<void>>();
  private readonly groupIds = new Map<string, number>();

  private constructor(options: DoubleOptions) {
    this.group = options.group ?? "archlinux/packaging/packages";
    this.tokens = options.tokens ?? { [`glpat-${randomBytes(8).toString("hex")}`]: "api" };
    this.apiToken = Object.entries(this.tokens).find(([, s]) => s === "api")?.[0] ?? "";
    this.activityCoalesceMs = options.activityCoalesceMs ?? 0;
    this.root = mkdtempSync(join(tmpdir(), "gitlab-double-"));
    this.reposRoot = join(this.root, "repositories");
    mkdirSync(this.reposRoot, { recursive: true });
    const parts = this.group.split("/");
    for (let i = 0; i < parts.length; i++) this.groupIds.set(parts.slice(0, i + 1).join("/"), 10 + i);
  }

  static async start(options: DoubleOptions = {}): Promise<GitlabDouble> {
    const d = new GitlabDouble(options);
    await d.start();
    return d;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: this.port,
      fetch: (req) => this.handle(req),
      idleTimeout: 60,
    });
    this.port = this.server.port ?? 0;
  }

  /** Stop listening (connections refused), keeping every project, pipeline and hook. */
  async stop(): Promise<void> {
    await this.server?.stop(true);
    this.server = null;
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await Bun.sleep(downMs);
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.allSettled([...this.pendingDeliveries]);
    rmSync(this.root, { recursive: true, force: true });
  }

  // ── projects and repositories ──────────────────────────────────────────────

  addProject(spec: {
    name: string;
    path?: string;
    files?: Record<string, string>;
    ciConfigPath?: string;
    archived?: boolean;
    /** Where the project lives if not in the packages group. */
    namespace?: string;
  }): DoubleProject {
    const path = spec.path ?? spec.name;
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(path) || /\.(git|atom)$/.test(path)) {
      throw new Error(`path can contain only letters, digits, '_', '-' and '.': ${path}`);
    }
    const fullPath = `${spec.namespace ?? this.group}/${path}`;
    if (this.findProject(fullPath)) throw new Error(`project ${fullPath} exists`);
    const repoDir = join(this.reposRoot, `${fullPath}.git`);
    mkdirSync(dirname(repoDir), { recursive: true });
    git(dirname(repoDir), "init", "--quiet", "--bare", repoDir);
    git(repoDir, "config", "http.receivepack", "true");
    if (spec.files) {
      const work = this.workTree(fullPath, repoDir);
      this.writeFiles(work, spec.files);
      git(work, "add", "-A");
      git(work, "commit", "--quiet", "-m", "initial import");
      git(work, "push", "--quiet", "origin", "HEAD:main");
    }
    const now = iso();
    const project: DoubleProject = {
      id: this.nextId.project++,
      name: spec.name,
      path,
      fullPath,
      defaultBranch: "main",
      ciConfigPath: spec.ciConfigPath ?? "",
      archived: spec.archived ?? false,
      createdAt: now,
      lastActivityAt: now,
      updatedAt: now,
      repoDir,
    };
    this.projects.push(project);
    return project;
  }

  project(nameOrPath: string): DoubleProject {
    const p =
      this.projects.find((x) => x.name === nameOrPath) ??
      this.findProject(nameOrPath) ??
      this.findProject(`${this.group}/${nameOrPath}`);
    if (!p) throw new Error(`no project ${nameOrPath} in the double`);
    return p;
  }

  /** The commit a branch of a project points at. */
  head(nameOrPath: string, branch = "main"): string {
    return git(this.project(nameOrPath).repoDir, "rev-parse", `refs/heads/${branch}`);
  }

  /**
   * Commit `files` on `branch` (created from main when new) and push it over smart HTTP with the api
   * token, the way a packager pushes: the double records the activity and fires push hooks.
   */
  async push(
    nameOrPath: string,
    files: Record<string, string>,
    message = "update",
    branch = "main",
    options: { hooks?: boolean } = {},
  ): Promise<string> {
    const p = this.project(nameOrPath);
    const work = this.workTree(p.fullPath, p.repoDir);
    git(work, "fetch", "--quiet", "origin");
    const exists = git(p.repoDir, "for-each-ref", `refs/heads/${branch}`) !== "";
    const hasMain = git(p.repoDir, "for-each-ref", "refs/heads/main") !== "";
    if (exists || hasMain) git(work, "checkout", "--quiet", "-B", branch, exists ? `origin/${branch}` : "origin/main");
    else git(work, "symbolic-ref", "HEAD", `refs/heads/${branch}`);
    this.writeFiles(work, files);
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "--allow-empty", "-m", message);
    const basic = Buffer.from(`packager:${this.apiToken}`).toString("base64");
    const proc = Bun.spawn(
      [
        "git",
        "-c",
        `http.extraHeader=Authorization: Basic ${basic}`,
        "push",
        "--quiet",
        `${this.url}/${p.fullPath}.git`,
        `HEAD:refs/heads/${branch}`,
      ],
      { cwd: work, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, ...GIT_ENV }, stderr: "pipe" },
    );
    this.hooksOff = options.hooks === false;
    const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]).finally(() => {
      this.hooksOff = false;
    });
    if (code !== 0) throw new Error(`git push to the double failed: ${err}`);
    return git(work, "rev-parse", "HEAD");
  }

  private workTree(fullPath: string, repoDir: string): string {
    const work = join(this.root, "work", fullPath);
    if (!existsSync(join(work, ".git"))) {
      mkdirSync(dirname(work), { recursive: true });
      git(dirname(work), "clone", "--quiet", repoDir, work);
    }
    return work;
  }

  private writeFiles(work: string, files: Record<string, string>): void {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, name)), { recursive: true });
      writeFileSync(join(work, name), content);
    }
  }

  private findProject(id: string): DoubleProject | undefined {
    if (/^\d+$/.test(id)) return this.projects.find((p) => p.id === Number(id));
    if (!id.includes("/")) return undefined;
    return this.projects.find((p) => p.fullPath.toLowerCase() === id.toLowerCase());
  }

  /** A push landed: bump the activity (at most every activityCoalesceMs) and tell the hooks. */
  private pushed(p: DoubleProject, ref: string, before: string, after: string): void {
    const now = Date.now();
    if (now - Date.parse(p.lastActivityAt) >= this.activityCoalesceMs) p.lastActivityAt = iso(now);
    const tag = ref.startsWith("refs/tags/");
    this.deliver(tag ? "Tag Push Hook" : "Push Hook", "pushEvents", {
      object_kind: tag ? "tag_push" : "push",
      event_name: tag ? "tag_push" : "push",
      before,
      after,
      ref,
      ref_protected: false,
      checkout_sha: after,
      user_id: 1,
      user_name: "Double Packager",
      user_username: "packager",
      user_email: "",
      user_avatar: "",
      project_id: p.id,
      project: this.hookProject(p),
      repository: {
        name: p.name,
        url: `${this.url}/${p.fullPath}.git`,
        description: "",
        homepage: `${this.url}/${p.fullPath}`,
        git_http_url: `${this.url}/${p.fullPath}.git`,
        git_ssh_url: `git@127.0.0.1:${p.fullPath}.git`,
        visibility_level: 20,
      },
      commits: [],
      total_commits_count: 0,
    });
  }

  private hookProject(p: DoubleProject) {
    return {
      id: p.id,
      name: p.name,
      description: "",
      web_url: `${this.url}/${p.fullPath}`,
      avatar_url: null,
      git_ssh_url: `git@127.0.0.1:${p.fullPath}.git`,
      git_http_url: `${this.url}/${p.fullPath}.git`,
      namespace: "Packages",
      visibility_level: 20,
      path_with_namespace: p.fullPath,
      default_branch: p.defaultBranch,
      homepage: `${this.url}/${p.fullPath}`,
      url: `${this.url}/${p.fullPath}.git`,
      ssh_url: `git@127.0.0.1:${p.fullPath}.git`,
      http_url: `${this.url}/${p.fullPath}.git`,
    };
  }

  // ── webhooks ───────────────────────────────────────────────────────────────

  addHook(hook: Hook): void {
    this.hooks.push({ pushEvents: true, pipelineEvents: true, ...hook });
  }

  /** Resolves when every delivery started so far has been answered. */
  async deliveriesSettled(): Promise<void> {
    await Promise.allSettled([...this.pendingDeliveries]);
  }

  private deliver(event: string, kind: "pushEvents" | "pipelineEvents", body: unknown): void {
    if (this.hooksOff) return;
    for (const hook of this.hooks) {
      if (!hook[kind]) continue;
      const text = JSON.stringify(body);
      const id = randomUUID();
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "GitLab/18.4.0",
        "x-gitlab-event": event,
        "x-gitlab-webhook-uuid": randomUUID(),
        "x-gitlab-event-uuid": id,
        "x-gitlab-instance": this.url,
        "idempotency-key": id,
      };
      if (hook.token) headers["x-gitlab-token"] = hook.token;
      if (hook.signingToken) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const key = Buffer.from(hook.signingToken.replace(/^whsec_/, ""), "base64");
        const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${text}`).digest("base64");
        Object.assign(headers, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${mac}` });
      }
      const record: (typeof this.deliveries)[number] = { event, url: hook.url, status: null, body };
      this.deliveries.push(record);
      const delivery = fetch(hook.url, { method: "POST", headers, body: text })
        .then(async (r) => {
          record.status = r.status;
          await r.arrayBuffer();
        })
        .catch(() => {
          record.status = 0;
        });
      this.pendingDeliveries.add(delivery);
      void delivery.finally(() => this.pendingDeliveries.delete(delivery));
    }
  }

  // ── pipelines ──────────────────────────────────────────────────────────────

  onPipelineCreated(cb: (p: DoublePipeline) => void): () => void {
    this.created.push(cb);
    return () => {
      const i = this.created.indexOf(cb);
      if (i >= 0) this.created.splice(i, 1);
    };
  }

  pipelines(): DoublePipeline[] {
    return [...this.pipelinesById.values()];
  }

  pipeline(id: number): DoublePipeline {
    const p = this.pipelinesById.get(id);
    if (!p) throw new Error(`no pipeline ${id} in the double`);
    return p;
  }

  variable(pipelineId: number, key: string): string | undefined {
    return this.pipeline(pipelineId).variables.find((v) => v.key === key)?.value;
  }

  /** Move a pipeline (and its jobs) to `status`; a pipeline hook is delivered. */
  setPipelineStatus(id: number, status: string, options: { failureReason?: string } = {}): DoublePipeline {
    if (!STATUSES.has(status)) throw new Error(`${status} is not a GitLab pipeline status`);
    const p = this.pipeline(id);
    const now = iso();
    p.status = status;
    p.updatedAt = now;
    if (status === "running" && !p.startedAt) p.startedAt = now;
    if (COMPLETED.has(status)) p.finishedAt = now;
    for (const job of p.jobs) {
      job.status = status;
      if (status === "running" && !job.startedAt) job.startedAt = now;
      if (COMPLETED.has(status)) job.finishedAt = now;
      job.failureReason = status === "failed" ? (options.failureReason ?? "script_failure") : null;
    }
    this.deliverPipeline(p);
    return p;
  }

  finishPipeline(
    id: number,
    status: "success" | "failed" | "canceled" | "skipped",
    options: { failureReason?: string } = {},
  ): DoublePipeline {
    return this.setPipelineStatus(id, status, options);
  }

  appendJobLog(pipelineId: number, text: string): void {
    const job = this.pipeline(pipelineId).jobs[0];
    if (job) job.log += text;
  }

  /** What GitLab hands gitlab-runner for the pipeline's job, for JOB_RESPONSE_FILE (job-payload.ts). */
  jobPayload(pipelineId: number) {
    const p = this.pipeline(pipelineId);
    return jobPayload(this.url, this.group, this.groupIds, this.project(String(p.projectId)), p);
  }

  private deliverPipeline(p: DoublePipeline): void {
    const project = this.project(String(p.projectId));
    this.deliver("Pipeline Hook", "pipelineEvents", {
      object_kind: "pipeline",
      object_attributes: {
        id: p.id,
        iid: p.iid,
        name: null,
        ref: p.ref,
        tag: false,
        sha: p.sha,
        before_sha: p.beforeSha,
        source: p.source,
        status: p.status,
        detailed_status: p.status,
        stages: ["build"],
        created_at: p.createdAt,
        finished_at: p.finishedAt,
        duration: null,
        variables: p.variables.map(({ key, value }) => ({ key, value })),
        url: p.webUrl,
      },
      merge_request: null,
      user: { id: 1, name: "Double Packager", username: "packager", avatar_url: "", email: "" },
      project: this.hookProject(project),
      commit: { id: p.sha },
      builds: p.jobs.map((j) => ({ id: j.id, name: j.name, stage: j.stage, status: j.status })),
    });
  }

  // ── faults ─────────────────────────────────────────────────────────────────

  /** The next `count` requests matching `match` (against "METHOD /path") get 429 with Retry-After. */
  rateLimit(f: { count: number; retryAfterS?: number; style?: "rack" | "app"; match?: RegExp }): void {
    this.faults.push({ kind: "rate", status: 429, match: /./, style: "rack", retryAfterS: 1, ...f });
  }

  /** The next `count` matching requests get `status`; with afterHandling they are carried out first. */
  failNext(f: { count: number; status: number; match?: RegExp; afterHandling?: boolean }): void {
    this.faults.push({ kind: "fail", match: /./, ...f });
  }

  private takeFault(line: string): Fault | null {
    const f = this.faults.find((x) => x.count > 0 && x.match.test(line));
    if (!f) return null;
    f.count--;
    this.faults = this.faults.filter((x) => x.count > 0);
    return f;
  }

  private faultResponse(f: Fault, graphql: boolean): Response {
    if (f.kind === "rate") {
      const reset = Math.floor(Date.now() / 1000) + (f.retryAfterS ?? 1);
      const headers = { "retry-after": String(f.retryAfterS ?? 1) };
      if (graphql)
        return json({ errors: [{ message: "This endpoint has been requested too many times." }] }, 429, headers);
      if (f.style === "app") {
        return json(
          { message: { error: "This endpoint has been requested too many times. Try again later." } },
          429,
          headers,
        );
      }
      return new Response("Retry later\n", {
        status: 429,
        headers: {
          ...headers,
          "content-type": "text/plain",
          "ratelimit-name": "throttle_authenticated_api",
          "ratelimit-limit": "60",
          "ratelimit-observed": "61",
          "ratelimit-remaining": "0",
          "ratelimit-reset": String(reset),
          "ratelimit-resettime": new Date(reset * 1000).toUTCString(),
        },
      });
    }
    if (f.status === 502)
      return new Response("<html><body>502 Bad Gateway</body></html>", {
        status: 502,
        headers: { "content-type": "text/html" },
      });
    return json({ message: `${f.status} Internal Server Error` }, f.status);
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const line = `${req.method} ${url.pathname}`;
    const fault = this.takeFault(line);
    let response: Response;
    if (fault && !fault.afterHandling) {
      response = this.faultResponse(fault, url.pathname === "/api/graphql");
    } else {
      try {
        response = await this.route(req, url);
      } catch (error) {
        response = json(
          { message: `500 Internal Server Error: ${error instanceof Error ? error.message : error}` },
          500,
        );
      }
      if (fault) response = this.faultResponse(fault, url.pathname === "/api/graphql");
    }
    this.requests.push({
      method: req.method,
      path: url.pathname + url.search,
      status: response.status,
      at: Date.now(),
    });
    return response;
  }

  /** The caller's token scope; null for anonymous; "invalid" for an unknown token. */
  private auth(req: Request): TokenScope | null | "invalid" {
    const header =
      req.headers.get("private-token") ?? /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
    if (header === undefined || header === null) return null;
    return this.tokens[header] ?? "invalid";
  }

  private async route(req: Request, url: URL): Promise<Response> {
    const path = url.pathname;
    if (path === "/api/graphql") {
      if (req.method !== "POST") return json({ errors: [{ message: "only POST" }] }, 405);
      const scope = this.auth(req);
      if (scope === "invalid") return json({ errors: [{ message: "Invalid token" }] }, 401);
      let body: { query?: string; variables?: Record<string, unknown> };
      try {
        body = (await req.json()) as typeof body;
      } catch {
        return json({ errors: [{ message: "Invalid JSON" }] }, 422);
      }
      return json(answerGraphql(body, (fullPath) => this.groupProjects(fullPath)));
    }
    if (path.startsWith("/api/v4/")) return this.rest(req, url);
    const git = /^\/(.+)\.git(\/info\/refs|\/git-upload-pack|\/git-receive-pack)$/.exec(path);
    if (git) return this.git(req, url, git[1]!, git[2]!);
    return json({ error: "404 Not Found" }, 404);
  }

  private groupProjects(fullPath: string): DoubleProject[] | null {
    if (!this.groupIds.has(fullPath)) return null;
    return this.projects.filter((p) => p.fullPath.startsWith(`${fullPath}/`));
  }

  private async git(req: Request, url: URL, fullPath: string, rest: string): Promise<Response> {
    const project = this.findProject(fullPath);
    if (!project) return new Response("The project you were looking for could not be found.\n", { status: 404 });
    const receive = rest === "/git-receive-pack" || url.searchParams.get("service") === "git-receive-pack";
    let user: string | undefined;
    if (receive) {
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
      const password = basic ? Buffer.from(basic, "base64").toString().split(":").slice(1).join(":") : "";
      if (this.tokens[password] !== "api") {
        return new Response("HTTP Basic: Access denied\n", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="GitLab"' },
        });
      }
      user = "packager";
    }
    const before = receive && rest === "/git-receive-pack" ? this.refs(project) : null;
    const response = await runHttpBackend({
      projectRoot: this.reposRoot,
      pathInfo: `/${project.fullPath}.git${rest}`,
      method: req.method,
      query: url.search.slice(1),
      headers: req.headers,
      body: new Uint8Array(await req.arrayBuffer()),
      remoteUser: user,
    });
    if (before) {
      const body = new Uint8Array(await response.arrayBuffer());
      const after = this.refs(project);
      for (const [ref, sha] of after) {
        if (before.get(ref) !== sha) this.pushed(project, ref, before.get(ref) ?? "0".repeat(40), sha);
      }
      return new Response(body, { status: response.status, headers: response.headers });
    }
    return response;
  }

  private refs(p: DoubleProject): Map<string, string> {
    const out = git(p.repoDir, "for-each-ref", "--format=%(refname) %(objectname)");
    return new Map(
      out
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ") as [string, string]),
    );
  }

  private async rest(req: Request, url: URL): Promise<Response> {
    // Split before decoding: `%2F` inside :id must stay one segment (src/gitlab/README.md, REST API v4).
    const segments = url.pathname.slice("/api/v4/".length).split("/").map(decodeURIComponent);
    const scope = this.auth(req);
    if (scope === "invalid") return json({ message: "401 Unauthorized" }, 401);
    if (req.method !== "GET") {
      if (scope === null) return json({ message: "401 Unauthorized" }, 401);
      if (scope === "read_api") {
        return json(
          {
            error: "insufficient_scope",
            error_description: "The request requires higher privileges than provided by the access token.",
            scope: "api",
          },
          403,
        );
      }
    }
    const params = await this.params(req, url);
    const [a, id, b, c, d, e] = segments;

    if (a === "groups" && id && b === "projects" && segments.length === 3 && req.method === "GET") {
      const groupPath = /^\d+$/.test(id) ? [...this.groupIds].find(([, gid]) => gid === Number(id))?.[0] : id;
      const projects = groupPath ? this.groupProjects(groupPath) : null;
      if (!projects) return json({ message: "404 Group Not Found" }, 404);
      let list = projects.filter(
        (p) => params.archived === undefined || String(p.archived) === String(params.archived),
      );
      const orderBy = String(params.order_by ?? "created_at");
      const key: Record<string, (p: DoubleProject) => string | number> = {
        id: (p) => p.id,
        name: (p) => p.name.toLowerCase(),
        path: (p) => p.path.toLowerCase(),
        created_at: (p) => p.createdAt,
        updated_at: (p) => p.updatedAt,
        last_activity_at: (p) => p.lastActivityAt,
      };
      const k = key[orderBy];
      if (!k) return json({ error: "order_by does not have a valid value" }, 400);
      const dir = String(params.sort ?? "desc") === "asc" ? 1 : -1;
      list = [...list].sort((x, y) => (k(x) < k(y) ? -dir : k(x) > k(y) ? dir : (x.id - y.id) * dir));
      return paginate(
        this.url,
        url,
        params,
        list.map((p) => projectJson(this.url, this.group, this.groupIds, p, true)),
      );
    }

    if (a !== "projects" || !id) return json({ error: "404 Not Found" }, 404);
    const project = this.findProject(id);
    if (!project) return json({ message: "404 Project Not Found" }, 404);

    if (segments.length === 2) {
      if (req.method === "GET") return json(projectJson(this.url, this.group, this.groupIds, project, true));
      if (req.method === "PUT") {
        if (params.ci_config_path === undefined) {
          return json(
            { error: "ci_config_path, name, path, … are missing, at least one parameter must be provided" },
            400,
          );
        }
        project.ciConfigPath = String(params.ci_config_path ?? "");
        project.updatedAt = iso();
        return json(projectJson(this.url, this.group, this.groupIds, project, true));
      }
      return json({ error: "405 Not Allowed" }, 405);
    }

    if (b === "pipeline" && segments.length === 3 && req.method === "POST") return this.createPipeline(project, params);

    if (b === "pipelines" && segments.length === 3 && req.method === "GET") {
      let list = this.pipelines().filter((p) => p.projectId === project.id);
      if (params.ref) list = list.filter((p) => p.ref === params.ref);
      if (params.sha) list = list.filter((p) => p.sha === params.sha);
      if (params.status) list = list.filter((p) => p.status === params.status);
      if (params.source) list = list.filter((p) => p.source === params.source);
      if (params.updated_after) list = list.filter((p) => p.updatedAt > String(params.updated_after));
      const dir = String(params.sort ?? "desc") === "asc" ? 1 : -1;
      list.sort((x, y) => (x.id - y.id) * dir);
      return paginate(
        this.url,
        url,
        params,
        list.map((p) => pipelineJson(p, false)),
      );
    }

    if (b === "pipelines" && c && /^\d+$/.test(c)) {
      const p = this.pipelinesById.get(Number(c));
      if (!p || p.projectId !== project.id) return json({ message: "404 Not found" }, 404);
      if (segments.length === 4 && req.method === "GET") return json(pipelineJson(p, true));
      if (d === "variables" && req.method === "GET") return json(p.variables);
      if (d === "cancel" && req.method === "POST") {
        if (!COMPLETED.has(p.status) && p.status !== "canceling") this.setPipelineStatus(p.id, "canceled");
        return json(pipelineJson(p, false));
      }
      if (d === "jobs" && req.method === "GET") {
        const scopes = [params.scope, params["scope[]"]].flat().filter(Boolean).map(String);
        const jobs = p.jobs.filter((j) => scopes.length === 0 || scopes.includes(j.status));
        return paginate(
          this.url,
          url,
          params,
          [...jobs].sort((x, y) => y.id - x.id).map((j) => jobJson(this.url, p, project, j)),
        );
      }
    }

    if (b === "jobs" && c && /^\d+$/.test(c)) {
      const found = this.pipelines()
        .filter((p) => p.projectId === project.id)
        .flatMap((p) => p.jobs.map((j) => ({ p, j })))
        .find(({ j }) => j.id === Number(c));
      if (!found) return json({ message: "404 Not found" }, 404);
      if (segments.length === 4 && req.method === "GET") return json(jobJson(this.url, found.p, project, found.j));
      if (d === "trace" && !e && req.method === "GET") {
        return new Response(found.j.log, {
          headers: { "content-type": "text/plain", "content-disposition": `infile; filename="${found.j.id}.log"` },
        });
      }
    }
    return json({ error: "404 Not Found" }, 404);
  }

  private createPipeline(project: DoubleProject, params: Record<string, unknown>): Response {
    const ref = params.ref;
    if (typeof ref !== "string" || ref === "") return json({ error: "ref is missing" }, 400);
    const rawVariables = params.variables ?? [];
    if (!Array.isArray(rawVariables)) return json({ error: "variables is invalid" }, 400);
    const variables: DoubleVariable[] = [];
    for (const [i, v] of rawVariables.entries()) {
      const type = (v as { variable_type?: unknown }).variable_type ?? "env_var";
      if (type !== "env_var" && type !== "file") {
        return json({ error: `variables[${i}][variable_type] does not have a valid value` }, 400);
      }
      const { key, value } = v as { key?: unknown; value?: unknown };
      if (typeof key !== "string" || typeof value !== "string") {
        return json({ error: `variables[${i}][key] is missing` }, 400);
      }
      variables.push({ key, value, variable_type: type });
    }
    const keys = variables.map((v) => v.key);
    const dupes = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
    if (dupes.length > 0) {
      return json(
        { message: { base: [`Duplicate variable name${dupes.length > 1 ? "s" : ""}: ${dupes.join(", ")}`] } },
        400,
      );
    }
    let sha: string;
    try {
      sha = git(project.repoDir, "rev-parse", "--verify", "--quiet", `refs/heads/${ref}^{commit}`);
    } catch {
      try {
        sha = git(project.repoDir, "rev-parse", "--verify", "--quiet", `refs/tags/${ref}^{commit}`);
      } catch {
        return json({ message: { base: ["Reference not found"] } }, 400);
      }
    }
    // The CI config: the project's path (a file in another project, `…@group/project`, is taken on
    // trust), else .gitlab-ci.yml at the ref.
    const config = project.ciConfigPath || ".gitlab-ci.yml";
    if (!config.includes("@")) {
      try {
        git(project.repoDir, "cat-file", "-e", `${sha}:${config}`);
      } catch {
        return json({ message: { base: ["Missing CI config file"] } }, 400);
      }
    }
    const now = iso();
    const id = this.nextId.pipeline++;
    const pipeline: DoublePipeline = {
      id,
      iid: this.pipelines().filter((p) => p.projectId === project.id).length + 1,
      projectId: project.id,
      project: project.fullPath,
      ref,
      sha,
      beforeSha: "0".repeat(40),
      status: "created",
      source: "api",
      variables,
      jobs: [
        {
          id: this.nextId.job++,
          name: "build",
          stage: "build",
          status: "created",
          token: `glcbt-${randomBytes(12).toString("hex")}`,
          failureReason: null,
          log: "",
          createdAt: now,
          startedAt: null,
          finishedAt: null,
        },
      ],
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      webUrl: `${this.url}/${project.fullPath}/-/pipelines/${id}`,
    };
    this.pipelinesById.set(id, pipeline);
    queueMicrotask(() => {
      for (const cb of this.created) cb(pipeline);
    });
    return json(pipelineJson(pipeline, false), 201);
  }

  /** Query string and JSON body, merged (GitLab accepts parameters either way). */
  private async params(req: Request, url: URL): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) {
      if (k.endsWith("[]")) out[k.slice(0, -2)] = [...((out[k.slice(0, -2)] as string[]) ?? []), v];
      else out[k] = v;
    }
    if (req.method !== "GET" && req.headers.get("content-type")?.includes("application/json")) {
      const text = await req.text();
      if (text.trim()) Object.assign(out, JSON.parse(text));
    }
    return out;
  }
}
