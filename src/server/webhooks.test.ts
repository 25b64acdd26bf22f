import { expect, test } from "bun:test";
import { loadOperationsConfig } from "../config/operations";
import { createLogger } from "../lib/log";
import { ServerMetrics } from "./metrics";
import { Webhooks } from "./webhooks";

test("a delivery's sent_at and its recorded attempt come from the server's clock", async () => {
  const bodies: { sent_at: string; type: string }[] = [];
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      bodies.push(await req.json());
      return new Response(null, { status: 204 });
    },
  });
  try {
    const config = loadOperationsConfig({
      BUILDBTW_WEBHOOK_URLS: `http://127.0.0.1:${receiver.port}/hook`,
      BUILDBTW_WEBHOOK_SECRET: "a-secret-of-sixteen-chars",
    }).webhooks;
    const metrics = new ServerMetrics({
      buildCounts: () => [],
      readyQueues: () => [],
      slots: () => ({ busy: 0, idle: 0 }),
      freeDisk: () => [],
    });
    const clock = Date.parse("2030-06-01T08:00:00Z");
    const log = createLogger("test", { format: "json", level: "warn" });
    const hooks = new Webhooks(config, log, metrics, "http://buildbtw.test", new AbortController().signal, () => clock);
    hooks.emit({ type: "worker.lost", worker: "w1" });
    await hooks.idle();
    expect(bodies).toEqual([expect.objectContaining({ type: "worker.lost", sent_at: "2030-06-01T08:00:00.000Z" })]);
    expect(hooks.recent()).toEqual([expect.objectContaining({ result: "delivered", at: "2030-06-01T08:00:00.000Z" })]);
  } finally {
    await receiver.stop(true);
  }
});
