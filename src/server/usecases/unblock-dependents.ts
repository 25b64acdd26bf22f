// Event-driven scheduling (src/core/README.md, Build states): the moment a build is built, dependents whose every
// dependency is now built become pending. Call inside the transaction that marked it built.
import type { BuildRecord } from "../../core/records";
import { statusesOf } from "../../db/builds";
import type { ServerDeps } from "../deps";
import { moveBuild } from "./build-lifecycle";

export function unblockDependents(deps: ServerDeps, built: BuildRecord): BuildRecord[] {
  const index = deps.graphs.get(built.iterationId, built.arch);
  const dependents = index.dependents.get(built.pkgbase) ?? [];
  if (dependents.length === 0) return [];
  const needed = new Set(dependents);
  for (const d of dependents) for (const dep of index.deps.get(d) ?? []) needed.add(dep);
  const builds = statusesOf(deps.db, built.iterationId, built.arch, [...needed]);
  const ready: BuildRecord[] = [];
  for (const d of dependents) {
    const b = builds.get(d);
    if (b?.status !== "blocked") continue;
    const allBuilt = (index.deps.get(d) ?? []).every(
      (dep) => dep === built.pkgbase || builds.get(dep)?.status === "built",
    );
    if (!allBuilt) continue;
    moveBuild(deps, b, "dependencies_built");
    ready.push({ ...b, status: "pending" });
  }
  return ready;
}
