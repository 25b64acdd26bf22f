// A build's current record, for views that compare it with what they last showed.
import type { BuildRecord } from "../../core/records";
import { getBuild } from "../../db/builds";
import type { ServerDeps } from "../deps";

/** The build's record as stored now, or null when there is no such build. */
export function findBuild(deps: ServerDeps, id: number): BuildRecord | null {
  return getBuild(deps.db, id);
}
