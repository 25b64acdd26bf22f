// What a rebuild of some origin changesets involves, computed on the server's sources (src/core/README.md, Build
// graph): the same computation and JSON as the local `buildbtw plan --json`, without a checkout on the laptop.
import type { z } from "zod";
import { planBody } from "../../api/plan";
import type { Plan, PlanRequest } from "../../api/schemas";
import { parseOriginChangeset } from "../../core/names";
import type { ServerDeps } from "../deps";

export function planOrigins(deps: ServerDeps, request: z.output<typeof PlanRequest>): Plan {
  const started = performance.now();
  // Unknown pkgbases and refs are refused with the catalog's sentence (404), as `new` refuses them.
  const origins = request.origin_changesets.map(parseOriginChangeset).map((o) => deps.catalog.readAt(o.pkgbase, o.ref));
  const result = deps.catalog.planner().plan(origins, {
    arch: request.arch,
    include: request.include,
    defaultArch: deps.config.defaultArch,
  });
  return planBody(origins, result, deps.catalog.stats(), performance.now() - started);
}
