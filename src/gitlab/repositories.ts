// Package source repositories cloned from GitLab into REPOS_DIR/<pkgbase>, kept current with `git fetch`.
// A clone is `git init` + `git fetch`, so an interrupted one is finished by the next fetch instead of
// leaving a half-written directory; refs only move once their objects are on disk. The token travels in
// an http.extraHeader given through the environment: never on a command line, never in .git/config.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ExternalFailure } from "../core/errors";
import { pathInside } from "../lib/paths";

export type SyncOutcome = "cloned" | "fetched";

export interface RepositoryTarget {
  pkgbase: string;
  /** Project full path in GitLab. */
  fullPath: string;
  /** Checked out after a clone (default `main`); fetches never touch the work tree. */
  defaultBranch?: string | null;
}

/** git could not clone or fetch from GitLab (its remote, network or credentials). */
export class GitSyncFailed extends ExternalFailure {
  override name = "GitSyncFailed";
}

export interface GitAuth {
  /** Base URL the header is scoped to, so a redirect elsewhere never receives it. */
  url: string;
  token?: string;
}

const TIMEOUT_MS = 10 * 60_000;

function gitEnv(auth: GitAuth): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/",
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "true",
  };
  if (auth.token) {
    const basic = Buffer.from(`oauth2:${auth.token}`).toString("base64");
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: `http.${auth.url}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  return env;
}

async function git(cwd: string, args: string[], auth: GitAuth, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new GitSyncFailed(`git ${args[0]} not started: interrupted`);
  const proc = Bun.spawn(["git", "-c", "gc.auto=0", ...args], {
    cwd,
    env: gitEnv(auth),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const kill = () => proc.kill("SIGTERM");
  const timer = setTimeout(kill, TIMEOUT_MS);
  signal?.addEventListener("abort", kill, { once: true });
  try {
    const [code, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    if (code !== 0) {
      let text = stderr.trim().split("\n").slice(-3).join(" / ");
      if (auth.token) text = text.replaceAll(auth.token, "[redacted]");
      throw new GitSyncFailed(`git ${args[0]} failed (exit ${code}): ${text || "no message"}`);
    }
    return stdout.trim();
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
  }
}

/**
 * Clone (when missing, or when an earlier clone stopped before its first fetch completed) or fetch one
 * repository. Always fetches from `remoteUrl`, so a moved project or a changed GITLAB_DOMAIN is followed.
 * Throws GitSyncFailed with git's last words.
 */
export async function syncRepository(
  reposDir: string,
  target: RepositoryTarget,
  remoteUrl: string,
  auth: GitAuth,
  signal?: AbortSignal,
): Promise<SyncOutcome> {
  const dir = pathInside(reposDir, target.pkgbase);
  const hasGit = existsSync(join(dir, ".git"));
  if (!hasGit) {
    if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
      throw new GitSyncFailed(`${dir} exists and is not a git repository; move it away to let it be cloned`);
    }
    mkdirSync(dir, { recursive: true });
    await git(dir, ["init", "--quiet"], auth, signal);
    await git(dir, ["remote", "add", "origin", remoteUrl], auth, signal);
  }
  const cloning =
    !hasGit || (await git(dir, ["for-each-ref", "--count=1", "refs/remotes/origin"], auth, signal)) === "";
  // Branches land in refs/remotes/origin/*, which the source reader prefers; tags for tag origins.
  await git(
    dir,
    ["fetch", "--quiet", "--prune", "--tags", remoteUrl, "+refs/heads/*:refs/remotes/origin/*"],
    auth,
    signal,
  );
  if (cloning) {
    const branch = target.defaultBranch || "main";
    await git(dir, ["checkout", "--quiet", "-B", branch, `origin/${branch}`], auth, signal).catch(() => {
      // An empty project or another default branch: the fetched refs are what matters.
    });
  }
  return cloning ? "cloned" : "fetched";
}

export interface FetchResult {
  pkgbase: string;
  outcome: SyncOutcome | "failed";
  error?: string;
}

/**
 * Clones and fetches with bounded concurrency, one git process per repository at a time: a fetch asked
 * for while one of the same repository runs is done again after it (the push it is about may have landed
 * after the running fetch began), and requests for the same repository that pile up meanwhile share it.
 */
export class RepositoryFetcher {
  private running = 0;
  private queue: (() => void)[] = [];
  private inFlight = new Map<string, { done: Promise<FetchResult>; again: Promise<FetchResult> | null }>();

  constructor(
    private readonly reposDir: string,
    private readonly remoteUrl: (target: RepositoryTarget) => string,
    private readonly auth: GitAuth,
    private readonly concurrency: number,
    private readonly signal?: AbortSignal,
  ) {}

  fetch(target: RepositoryTarget): Promise<FetchResult> {
    const current = this.inFlight.get(target.pkgbase);
    if (current) {
      current.again ??= current.done.then(() => this.start(target));
      return current.again;
    }
    return this.start(target);
  }

  fetchAll(targets: RepositoryTarget[], onDone?: (r: FetchResult) => void): Promise<FetchResult[]> {
    return Promise.all(
      targets.map((t) =>
        this.fetch(t).then((r) => {
          onDone?.(r);
          return r;
        }),
      ),
    );
  }

  private start(target: RepositoryTarget): Promise<FetchResult> {
    const entry = { done: this.run(target), again: null as Promise<FetchResult> | null };
    this.inFlight.set(target.pkgbase, entry);
    void entry.done.then(() => {
      if (this.inFlight.get(target.pkgbase) === entry && entry.again === null) this.inFlight.delete(target.pkgbase);
    });
    return entry.done;
  }

  private async run(target: RepositoryTarget): Promise<FetchResult> {
    await this.slot();
    if (this.signal?.aborted) {
      this.release();
      return { pkgbase: target.pkgbase, outcome: "failed", error: "interrupted before it started" };
    }
    try {
      const outcome = await syncRepository(this.reposDir, target, this.remoteUrl(target), this.auth, this.signal);
      return { pkgbase: target.pkgbase, outcome };
    } catch (error) {
      return {
        pkgbase: target.pkgbase,
        outcome: "failed",
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      this.release();
    }
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.running++;
        resolve();
      }),
    );
  }
}
