// The outgoing webhooks' delivery attempts, for operators (admins; the rule is in access.ts): what was sent
// where, and how it went.
import { Hono } from "hono";
import { api } from "../../api/routes";
import type { ServerDeps } from "../deps";

export function webhooksRouter(deps: ServerDeps) {
  return new Hono().get(api.webhookDeliveries, (c) =>
    c.json({ enabled: deps.webhooks.enabled, deliveries: deps.webhooks.recent() }),
  );
}
