// The checks and small transitions every way of running a build shares (worker leases, pipelines,
// expiry, results): one place each, so they cannot drift apart.
import { type BuildEvent, type BuildStatus, transition } from "../../core/build-states";
import { Conflict } from "../../core/errors";
import type { BuildRecord } from "../../core/records";
import { discardStaged } from "../../db/artifacts";
import { setStatus } from "../../db/builds";
import { latestIterationId } from "../../db/iterations";
import { getNamespaceById } from "../../db/namespaces";
import type { ServerDeps } from "../deps";

/** The server's one clock (deps.now) as the ISO time the database stores, so tests that set the clock see it. */
export const isoNow = (deps: Pick<ServerDeps, "now">): string => new Date(deps.now()).toISOString();

/**
 * Whether builds of this iteration may be started: the namespace is active and the iteration is its
 * latest (a cancelled namespace gets no new builds; a superseded iteration's builds are not started).
 */
export function mayStart(deps: ServerDeps, build: Pick<BuildRecord, "namespaceId" | "iterationId">): boolean {
  return (
    getNamespaceById(deps.db, build.namespaceId)?.status === "active" &&
    latestIterationId(deps.db, build.namespaceId) === build.iterationId
  );
}

/**
 * The first sign of life from a build host (heartbeat or log chunk) moves a scheduled build to
 * building. Call inside the transaction; call `announce` after it commits.
 */
export function markBuilding(deps: ServerDeps, build: BuildRecord): { announce(): void } {
  if (build.status !== "scheduled") return { announce() {} };
  moveBuild(deps, build, "started", { startedAt: isoNow(deps) });
  return {
    announce: () =>
      deps.events.emit({
        type: "build",
        namespaceId: build.namespaceId,
        iterationId: build.iterationId,
        buildId: build.id,
        status: "building",
      }),
  };
}

/**
 * Change a build's status by the one transition table (core/build-states.ts): the only writer of a build's
 * status (scripts/check-boundaries.ts keeps db/builds' setStatus to this file). A move the table does not
 * allow is a Conflict, which rolls back the caller's transaction. Returns the new status.
 */
export function moveBuild(
  deps: ServerDeps,
  build: Pick<BuildRecord, "id" | "namespaceId" | "pkgbase" | "status">,
  event: BuildEvent,
  extra: Parameters<typeof setStatus>[4] = {},
): BuildStatus {
  const to = transition(build.status, event);
  if (to === null)
    throw new Conflict(`build ${build.id} (${build.pkgbase}) cannot take "${event}" while ${build.status}`);
  setStatus(deps.db, build.id, to, isoNow(deps), extra);
  // Answers cached per namespace (lists, ETAs, pages) are stale from here, before the event is announced.
  deps.events.touch(build.namespaceId);
  // Only a build that reports built puts its uploads in the repository: a failed or lost attempt's are forgotten.
  if (to === "failed" || to === "pending") discardStaged(deps.db, build.id);
  return to;
}
