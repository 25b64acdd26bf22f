import type { CreateNamespace } from "../../api/schemas";
import { Conflict } from "../../core/errors";
import { formatOriginChangeset, parseOriginChangeset } from "../../core/names";
import type { NamespaceRecord } from "../../core/records";
import { findNamespace, insertNamespace } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";

/** Open a namespace; its first iteration is computed off the request path. */
/** `by` is the actor's name, kept as the namespace's creator. */
export function createNamespace(deps: ServerDeps, body: CreateNamespace, by: string | null): NamespaceRecord {
  const origins = body.origin_changesets.map(parseOriginChangeset);
  // Unknown pkgbases and refs are refused now, with the sentence the catalog gives.
  for (const o of origins) deps.catalog.readAt(o.pkgbase, o.ref);
  const name = body.name ?? origins[0]!.pkgbase;
  const ns = inTransaction(deps.db, () => {
    if (findNamespace(deps.db, name)) throw new Conflict(`a namespace named ${name} already exists`);
    return insertNamespace(
      deps.db,
      {
        name,
        originChangesets: origins.map(formatOriginChangeset),
        include: body.include,
        createdBy: by,
        bump: body.bump,
      },
      isoNow(deps),
    );
  });
  deps.log.info("namespace created", { namespace: ns.name, origins: ns.originChangesets, by });
  void deps.requestRecompute(ns.id);
  return ns;
}
