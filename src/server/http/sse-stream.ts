// Server-Sent Events for the live pages: one stream per page, fed from the UI event log. A stream batches the
// events that concern its page for a moment, then hands them to the page's flush. Every message carries the
// event sequence number as its id, so a reconnecting browser (Last-Event-ID) or a page that connects after
// rendering (?since=) misses nothing.
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { ServerEvent } from "../events";
import type { Numbered, UiEventLog } from "../ui-event-log";

const KEEPALIVE_MS = 20_000;

/** Where a stream starts: the browser's Last-Event-ID after a reconnect, else the page's `since`, else now. */
function startSeq(c: Context, log: UiEventLog): number {
  const last = c.req.header("last-event-id");
  const raw = last?.split(":")[0] ?? c.req.query("since");
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : log.cursor;
  return Math.min(n, log.cursor);
}

const OUT_OF_DATE = `This page missed some updates. <a href="">Reload it</a> to see the current state.`;

/**
 * Run one stream: collect relevant events, wait `batchMs` after the first of a batch, hand the batch to
 * `flush` (which writes and says whether the stream is finished), keep the connection alive while idle.
 */
export function liveStream(
  c: Context,
  log: UiEventLog,
  opts: {
    relevant: (e: ServerEvent) => boolean;
    batchMs: number;
    /** Called first with what the page missed since it was rendered (`replay`, may be empty), then per batch. */
    flush: (batch: ServerEvent[], id: string, stream: SSEStreamingApi, replay: boolean) => Promise<boolean>;
    warn: (message: string, fields: Record<string, unknown>) => void;
  },
): Response {
  return streamSSE(c, async (stream) => {
    let queue: Numbered[] = [];
    let wake: (() => void) | null = null;
    let closed = false;
    const from = startSeq(c, log);
    const unsubscribe = log.subscribe((n) => {
      if (!opts.relevant(n.event)) return;
      queue.push(n);
      wake?.();
    });
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    try {
      // Headers go out with the first bytes: tell the browser now that the stream is open (and how soon to retry).
      await stream.write("retry: 2000\n\n");
      const missed = log.since(from);
      if (missed === null) await stream.writeSSE({ event: "notice", data: OUT_OF_DATE });
      else queue.push(...missed.filter((n) => opts.relevant(n.event)));
      let first = true;
      while (!closed) {
        if (queue.length === 0 && !first) {
          let timer: Timer | undefined;
          const idle = await new Promise<boolean>((resolve) => {
            wake = () => resolve(false);
            timer = setTimeout(() => resolve(true), KEEPALIVE_MS);
          });
          wake = null;
          clearTimeout(timer);
          if (closed) break;
          if (idle) {
            await stream.write(": keepalive\n\n");
            continue;
          }
          // Let a burst of events (a worker reporting, its dependents unblocking) arrive as one update.
          await stream.sleep(opts.batchMs);
        }
        const replay = first;
        first = false;
        const batch = queue;
        queue = [];
        const id = String(batch.at(-1)?.seq ?? from);
        const events = batch.map((n) => n.event);
        if (await opts.flush(events, id, stream, replay)) break;
      }
    } catch (error) {
      if (!closed) opts.warn("live update stream failed", { path: c.req.path, error: String(error) });
    } finally {
      unsubscribe();
    }
  });
}
