// Which directory a pacman repository URL names (a namespace's iteration, or its latest, and an architecture),
// and which package files in it may be handed out.
import { NotFound } from "../../core/errors";
import { findArtifact } from "../../db/artifacts";
import { getIteration, latestIteration } from "../../db/iterations";
import { findNamespace } from "../../db/namespaces";
import type { ServerDeps } from "../deps";

export interface RepositoryDir {
  dir: string;
  namespace: string;
  iterationId: number;
  arch: string;
  /** The iteration's plan has this architecture (its database is written when the iteration is made). */
  planned: boolean;
}

export function locateRepository(
  deps: Pick<ServerDeps, "db" | "publisher">,
  name: string,
  iteration: number | "latest",
  arch: string,
): RepositoryDir {
  const ns = findNamespace(deps.db, name);
  if (!ns) throw new NotFound(`no namespace named ${name}`);
  const it = iteration === "latest" ? latestIteration(deps.db, ns.id) : getIteration(deps.db, ns.id, iteration);
  if (!it) throw new NotFound(`namespace ${name} has no iteration ${iteration}`);
  if (it.prunedAt)
    throw new NotFound(`the repositories of ${name} iteration ${it.id} were pruned by retention at ${it.prunedAt}`);
  return {
    dir: deps.publisher.dir(name, it.id, arch),
    namespace: name,
    iterationId: it.id,
    arch,
    planned: arch in it.graph,
  };
}

/**
 * A package is served only while the database lists it: a file left in the directory by a result that was
 * refused after its files had moved (or by a crash in between) is never handed out.
 */
export function isPublished(
  deps: Pick<ServerDeps, "db">,
  repo: Pick<RepositoryDir, "iterationId" | "arch">,
  fileName: string,
): boolean {
  return findArtifact(deps.db, repo.iterationId, repo.arch, fileName)?.staged === false;
}
