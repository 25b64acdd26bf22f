// The pipelines this server has open in GitLab, as the dispatch and follow loops see them.
import { countOpenDispatches, type DispatchRecord, listDispatches } from "../../db/pipelines";
import type { GitlabMode, ServerDeps } from "../deps";

export type { DispatchRecord };

/** Dispatches a previous process left half-created: their pipeline may or may not exist in GitLab yet. */
export function dispatchesLeftCreating(deps: Pick<ServerDeps, "db">): DispatchRecord[] {
  return listDispatches(deps.db, ["creating"]);
}

/** Dispatches whose pipeline runs (or is being cancelled) and must be asked about until it ends. */
export function dispatchesToFollow(deps: Pick<ServerDeps, "db">): DispatchRecord[] {
  return listDispatches(deps.db, ["following", "cancelling"]);
}

/** Whether one more pipeline may be opened: at most `maxPipelines` are open (not ended) at once. */
export function roomForPipeline(deps: Pick<ServerDeps, "db">, gitlab: Pick<GitlabMode, "config">): boolean {
  return countOpenDispatches(deps.db) < gitlab.config.maxPipelines;
}
