import { Hono } from "hono";
import {
  CreateNamespace,
  NamespaceBuildsQuery,
  NamespaceNameSchema,
  RetryNamespace,
  RetryNode,
  ShowQuery,
  UpdateNamespace,
} from "../../api/schemas";
import type { ServerDeps } from "../deps";
import { listNamespaceBuilds, showBuild } from "../usecases/builds";
import { createNamespace } from "../usecases/create-namespace";
import { listNamespaces } from "../usecases/list-namespaces";
import { retryNamespace, retryNode } from "../usecases/retry";
import { iterationJson, namespaceJson, showNamespace } from "../usecases/show-namespace";
import { requireNamespace, updateNamespace } from "../usecases/update-namespace";
import { requireAdmin } from "./auth";
import { jsonBody } from "./errors";

export function namespacesRouter(deps: ServerDeps) {
  const admin = requireAdmin(deps);
  const name = (raw: string) => NamespaceNameSchema.parse(raw);
  return new Hono()
    .get("/", (c) => c.json(listNamespaces(deps, { all: c.req.query("all") === "true" })))
    .post("/", admin, async (c) => {
      const body = CreateNamespace.parse(await jsonBody(c));
      return c.json(namespaceJson(createNamespace(deps, body)), 201);
    })
    .get("/:name", (c) => c.json(showNamespace(deps, name(c.req.param("name")), ShowQuery.parse(c.req.query()))))
    .patch("/:name", admin, async (c) => {
      const patch = UpdateNamespace.parse(await jsonBody(c));
      return c.json(namespaceJson(updateNamespace(deps, name(c.req.param("name")), patch)));
    })
    .post("/:name/iterations", admin, async (c) => {
      const ns = requireNamespace(deps, name(c.req.param("name")));
      const body = RetryNamespace.parse(await jsonBody(c));
      const it = await retryNamespace(deps, ns.name, { rebuildAll: body.rebuild_all });
      return c.json(iterationJson(deps, ns, it, it.id), 201);
    })
    .post("/:name/retry-node", admin, async (c) => {
      const body = RetryNode.parse(await jsonBody(c));
      const b = retryNode(deps, name(c.req.param("name")), body.pkgbase, body.arch);
      return c.json(showBuild(deps, b.id));
    })
    .get("/:name/builds", (c) => {
      const q = NamespaceBuildsQuery.parse(c.req.query());
      return c.json(listNamespaceBuilds(deps, name(c.req.param("name")), q));
    });
}
