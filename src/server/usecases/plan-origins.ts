// What a rebuild of some origin changesets involves, computed on the server's sources (src/core/README.md,
// Build graph): the same computation and JSON as the local `buildbtw plan --json`, without a checkout on the
// laptop. On the main thread: only when the planning thread (plan-thread.ts) is unavailable.
import type { z } from "zod";
import { planBody } from "../../api/plan";
import type { Plan, PlanRequest } from "../../api/schemas";
import { parseOriginChangeset } from "../../core/names";
import type { SourceCatalog } from "../deps";

export function planOrigins(
  catalog: SourceCatalog,
  request: Parameters<SourceCatalog["planJson"]>[0],
  defaultArch: string,
): Plan {
  const started = performance.now();
  // Unknown pkgbases and refs are refused with the catalog's sentence (404), as `new` refuses them.
  const origins = request.origin_changesets.map(parseOriginChangeset).map((o) => catalog.readAt(o.pkgbase, o.ref));
  const options = { arch: request.arch as z.output<typeof PlanRequest>["arch"], include: request.include, defaultArch };
  const result = catalog.planner().plan(origins, options);
  return planBody(origins, result, catalog.stats(), performance.now() - started);
}
