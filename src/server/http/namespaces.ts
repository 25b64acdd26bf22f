import { type Context, Hono } from "hono";
import {
  CreateNamespace,
  NamespaceBuildsQuery,
  NamespaceNameSchema,
  RetryNamespace,
  RetryNode,
  ShowQuery,
  UpdateNamespace,
} from "../../api/schemas";
import { actorName } from "../../core/access";
import type { ServerDeps } from "../deps";
import { listNamespaceBuilds, showBuild } from "../usecases/builds";
import { checkRelease } from "../usecases/check-release";
import { createNamespace } from "../usecases/create-namespace";
import { listNamespaces } from "../usecases/list-namespaces";
import { retryNamespace, retryNode } from "../usecases/retry";
import { iterationJson, namespaceJson, namespaceTarget, streamNamespace } from "../usecases/show-namespace";
import { requireNamespace, updateNamespace } from "../usecases/update-namespace";
import { jsonBody } from "./errors";

// Who may call what is in access.ts's ROUTE_RULES; handlers name the audit target.
export function namespacesRouter(deps: ServerDeps) {
  const name = (c: Context) => {
    const n = NamespaceNameSchema.parse(c.req.param("name"));
    c.set("auditTarget", namespaceTarget(n));
    return n;
  };
  return (
    new Hono()
      .get("/", async (c) => c.json(await listNamespaces(deps, { all: c.req.query("all") === "true" })))
      .post("/", async (c) => {
        const body = CreateNamespace.parse(await jsonBody(c));
        const ns = await createNamespace(deps, body, actorName(c.var.principal));
        c.set("auditTarget", namespaceTarget(ns.name));
        return c.json(namespaceJson(ns), 201);
      })
      // Streamed: a large namespace's answer is megabytes, serialised a slice at a time.
      .get("/:name", (c) =>
        c.body(streamNamespace(deps, name(c), ShowQuery.parse(c.req.query())), 200, {
          "content-type": "application/json",
        }),
      )
      .patch("/:name", async (c) => {
        const target = name(c);
        const patch = UpdateNamespace.parse(await jsonBody(c));
        return c.json(namespaceJson(await updateNamespace(deps, target, patch)));
      })
      .post("/:name/iterations", async (c) => {
        const ns = requireNamespace(deps, name(c));
        const body = RetryNamespace.parse(await jsonBody(c));
        const it = await retryNamespace(deps, ns.name, { rebuildAll: body.rebuild_all });
        return c.json(iterationJson(deps, ns, it, it.id), 201);
      })
      .post("/:name/retry-node", async (c) => {
        const target = name(c);
        const body = RetryNode.parse(await jsonBody(c));
        const b = retryNode(deps, target, body.pkgbase, body.arch);
        return c.json(showBuild(deps, b.id));
      })
      .get("/:name/release", (c) => c.json(checkRelease(deps, name(c), ShowQuery.parse(c.req.query()))))
      .get("/:name/builds", (c) => {
        const q = NamespaceBuildsQuery.parse(c.req.query());
        return c.json(listNamespaceBuilds(deps, name(c), q));
      })
  );
}
