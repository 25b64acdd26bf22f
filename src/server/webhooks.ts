// Outgoing webhooks: JSON events POSTed to every BUILDBTW_WEBHOOK_URLS address, signed with HMAC-SHA256
// of the body under BUILDBTW_WEBHOOK_SECRET (header X-Buildbtw-Signature-256: sha256=<hex>, as GitHub
// signs its hooks), retried with exponential backoff until a 2xx or BUILDBTW_WEBHOOK_MAX_ATTEMPTS.
// emit() only queues: no delivery, slow receiver or dead one ever holds up scheduling. Every attempt is
// logged and kept (the newest ones) for GET /api/v1/webhooks/deliveries.
import { createHmac, randomUUID } from "node:crypto";
import pkg from "../../package.json" with { type: "json" };
import type { OperationsConfig } from "../config/operations";
import { sleep } from "../lib/backoff";
import { type Logger, messageOf } from "../lib/log";
import type { ServerMetrics } from "./metrics";

export type WebhookEventType = "namespace.finished" | "namespace.failed" | "namespace.releasable" | "worker.lost";

export interface WebhookEvent {
  type: WebhookEventType;
  [field: string]: unknown;
}

export interface DeliveryAttempt {
  delivery: string;
  event: WebhookEventType;
  /** The receiver without query string or credentials (they may hold secrets). */
  url: string;
  attempt: number;
  at: string;
  status: number | null;
  error?: string;
  ms: number;
  /** delivered, retry (another attempt follows) or gave_up. */
  result: "delivered" | "retry" | "gave_up";
}

/** How many attempts are kept in memory for the deliveries endpoint. */
const KEEP_ATTEMPTS = 500;
const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_DELAY_MS = 10 * 60_000;

export const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

const printable = (url: string): string => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

export class Webhooks {
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly config: OperationsConfig["webhooks"],
    private readonly log: Logger,
    private readonly metrics: ServerMetrics,
    private readonly baseUrl: string,
    private readonly signal: AbortSignal,
    /** The server's clock (deps.now). */
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.config.urls.length > 0 && this.config.secret !== undefined;
  }

  /** Queue an event for every receiver and return at once. */
  emit(event: WebhookEvent): void {
    if (!this.enabled) return;
    const id = randomUUID();
    const body = JSON.stringify({ id, ...event, server: this.baseUrl, sent_at: new Date(this.now()).toISOString() });
    for (const url of this.config.urls) {
      const p = this.deliver(id, event.type, url, body).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** The newest delivery attempts, newest first. */
  recent(): DeliveryAttempt[] {
    return [...this.attempts].reverse();
  }

  /** Resolve when every queued delivery has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(id: string, type: WebhookEventType, url: string, body: string): Promise<void> {
    const headers = {
      "content-type": "application/json",
      "user-agent": `buildbtw/${pkg.version}`,
      "x-buildbtw-event": type,
      "x-buildbtw-delivery": id,
      "x-buildbtw-signature-256": signBody(this.config.secret!, body),
    };
    for (let attempt = 1; !this.signal.aborted; attempt++) {
      const started = performance.now();
      let status: number | null = null;
      let error: string | undefined;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.any([this.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
          redirect: "manual",
        });
        status = res.status;
        await res.body?.cancel();
        if (!res.ok) error = `the receiver answered ${res.status}`;
      } catch (e) {
        error = messageOf(e);
      }
      const last = attempt >= this.config.maxAttempts;
      const result = error === undefined ? "delivered" : last ? "gave_up" : "retry";
      const record: DeliveryAttempt = {
        delivery: id,
        event: type,
        url: printable(url),
        attempt,
        at: new Date(this.now()).toISOString(),
        status,
        ...(error ? { error } : {}),
        ms: Math.round(performance.now() - started),
        result,
      };
      this.attempts.push(record);
      if (this.attempts.length > KEEP_ATTEMPTS) this.attempts.shift();
      this.metrics.webhookDeliveries.inc({ event: type, result });
      if (result === "delivered") {
        this.log.info("webhook delivered", { ...record });
        return;
      }
      if (result === "gave_up") {
        this.log.error("webhook delivery gave up", { ...record });
        return;
      }
      const delay = Math.min(MAX_DELAY_MS, this.config.retryMs * 2 ** (attempt - 1));
      this.log.warn(`webhook delivery failed, retrying in ${delay} ms`, { ...record, delay_ms: delay });
      await sleep(delay, this.signal).catch(() => {});
    }
  }
}
