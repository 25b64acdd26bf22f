// Readiness: whether this server can do its job right now. Each check says ok and why; the server is
// ready when every one is ok. Liveness (`health`) only says the process answers.
import { dirname } from "node:path";
import { migrationStatus, probeWrite } from "../../db/health";
import { freeBytes } from "../../lib/disk";
import { messageOf } from "../../lib/log";
import type { GitlabMode, ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";

export interface Check {
  ok: boolean;
  [detail: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, Check>;
}

/** A token check asks GitLab at most this often; probes every few seconds must not become API calls. */
const TOKEN_CHECK_TTL_MS = 60_000;
const tokenChecks = new WeakMap<GitlabMode, { at: number; check: Promise<Check> }>();

export async function checkReadiness(deps: ServerDeps): Promise<Readiness> {
  const checks: Record<string, Check> = {
    database: checkDatabase(deps),
    migrations: checkMigrations(deps),
    disk: checkDisk(deps),
    loops: checkLoops(deps),
  };
  if (deps.gitlab) checks.gitlab_token = await checkGitlabToken(deps, deps.gitlab);
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}

function checkDatabase(deps: ServerDeps): Check {
  const started = performance.now();
  try {
    probeWrite(deps.db, deps.config.databasePath, isoNow(deps));
    return { ok: true, writable: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, writable: false, error: `the database cannot be written: ${messageOf(error)}` };
  }
}

function checkMigrations(deps: ServerDeps): Check {
  try {
    const s = migrationStatus(deps.db);
    const ok = s.missing.length === 0 && s.unknown.length === 0;
    return {
      ok,
      applied: s.applied,
      known: s.known,
      ...(s.missing.length ? { missing: s.missing } : {}),
      ...(s.unknown.length ? { unknown: s.unknown, error: "the database was migrated by a newer buildbtw" } : {}),
    };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

function checkDisk(deps: ServerDeps): Check {
  const min = deps.config.ops.minFreeDiskBytes;
  const paths = [...new Set([deps.config.dataDir, dirname(deps.config.databasePath)])];
  try {
    const free = paths.map((path) => ({ path, free_bytes: freeBytes(path) }));
    const low = free.filter((f) => f.free_bytes < min);
    return {
      ok: low.length === 0,
      min_free_bytes: min,
      filesystems: free,
      ...(low.length
        ? {
            error: `less than ${min} bytes free under ${low.map((f) => f.path).join(" and ")} (BUILDBTW_MIN_FREE_DISK)`,
          }
        : {}),
    };
  } catch (error) {
    return { ok: false, min_free_bytes: min, error: messageOf(error) };
  }
}

function checkLoops(deps: ServerDeps): Check {
  const loops = deps.liveness.states();
  const stuck = loops.filter((l) => !l.ok).map((l) => l.name);
  return {
    ok: stuck.length === 0,
    loops,
    ...(stuck.length ? { error: `not turning: ${stuck.join(", ")}` } : {}),
  };
}

function checkGitlabToken(deps: ServerDeps, gitlab: GitlabMode): Promise<Check> {
  const cached = tokenChecks.get(gitlab);
  if (cached && deps.now() - cached.at < TOKEN_CHECK_TTL_MS) return cached.check;
  const check = gitlab.client.checkToken().then(
    (): Check => ({ ok: true, checked_at: new Date(deps.now()).toISOString() }),
    (error): Check => {
      const status = (error as { status?: unknown }).status;
      // An unreachable GitLab delays builds but is not this server's fault: ready, and say so.
      if (typeof status !== "number") return { ok: true, unverified: `GitLab did not answer: ${messageOf(error)}` };
      return {
        ok: false,
        status,
        error:
          status === 401
            ? "GitLab refused GITLAB_TOKEN (401): it is wrong, expired or revoked"
            : `GitLab refused GITLAB_TOKEN the packages group: ${messageOf(error)}`,
      };
    },
  );
  tokenChecks.set(gitlab, { at: deps.now(), check });
  return check;
}
