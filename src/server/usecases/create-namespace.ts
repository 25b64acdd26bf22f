import type { CreateNamespace } from "../../api/schemas";
import { Conflict } from "../../core/errors";
import { formatOriginChangeset, parseOriginChangeset } from "../../core/names";
import type { NamespaceRecord } from "../../core/records";
import { findNamespace, insertNamespace } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import { yieldToRequests } from "../../lib/yield";
import type { ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";

/** Origins read in one go before letting requests in (each costs ~0.4 ms: refs, objects, the .SRCINFO cache). */
export const ORIGINS_PER_SLICE = 50;

/**
 * Unknown pkgbases and refs are refused with the sentence the catalog gives. Hundreds of origins take a
 * while to read, so requests are let in between a few dozen.
 */
export async function checkOrigins(deps: ServerDeps, origins: { pkgbase: string; ref: string }[]): Promise<void> {
  for (const [i, o] of origins.entries()) {
    if (i > 0 && i % ORIGINS_PER_SLICE === 0) await yieldToRequests();
    deps.catalog.readAt(o.pkgbase, o.ref);
  }
}

/**
 * Open a namespace; its first iteration is computed off the request path. `by` is the actor's name, kept
 * as the namespace's creator.
 */
export async function createNamespace(
  deps: ServerDeps,
  body: CreateNamespace,
  by: string | null,
): Promise<NamespaceRecord> {
  const origins = body.origin_changesets.map(parseOriginChangeset);
  await checkOrigins(deps, origins);
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
