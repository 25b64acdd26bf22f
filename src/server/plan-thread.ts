// Planning off the event loop: a Worker thread that answers POST /api/v1/plan with the serialised Plan,
// and plans a namespace's next iteration (plan-iteration.ts) in slices of JSON text, so a plan of hundreds
// of origins over a universe of thousands costs the main thread strings, not seconds
// (scripts/bench-healthz.ts measures it).
import { DomainError, Invalid, NotFound } from "../core/errors";
import type { IterationPlanRequest, PlannedIteration } from "./plan-iteration";

export type PlanThreadMessage =
  | { type: "init"; reposDir: string; cachePath: string }
  | { type: "refresh" }
  | {
      type: "plan";
      id: number;
      request: {
        origin_changesets: string[];
        include: ("makedepends" | "checkdepends")[];
        arch?: string;
        defaultArch: string;
      };
    }
  | { type: "iteration"; id: number; request: IterationPlanRequest };

export type PlanThreadReply =
  | { id: number; json: string }
  | { id: number; iteration: PlannedIteration }
  | { id: number; error: { name: string; message: string } };

/** The thread could not start or died: the caller plans on the main thread instead. */
export class PlanThreadUnavailable extends Error {
  override name = "PlanThreadUnavailable";
}

// From source, the worker sits beside this file; in the single binary (`bun build --compile` with the
// worker as a second entry point) every module's import.meta.url is the binary's, and the worker is kept
// at its path under src/.
const WORKER_URL = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./server/plan-thread-worker.ts", import.meta.url).href
  : new URL("./plan-thread-worker.ts", import.meta.url).href;

export class PlanThread {
  private readonly worker: Worker;
  private nextId = 1;
  private failed: string | null = null;
  private readonly pending = new Map<number, { resolve: (answer: never) => void; reject: (error: Error) => void }>();

  constructor(reposDir: string, cachePath: string) {
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = (event: MessageEvent<PlanThreadReply>) => {
      const r = event.data;
      const waiting = this.pending.get(r.id);
      if (!waiting) return;
      this.pending.delete(r.id);
      if ("error" in r) waiting.reject(rebuild(r.error));
      else waiting.resolve(("json" in r ? r.json : r.iteration) as never);
    };
    this.worker.onerror = (event) => {
      this.failed = event.message;
      for (const w of this.pending.values()) w.reject(new PlanThreadUnavailable(event.message));
      this.pending.clear();
    };
    this.post({ type: "init", reposDir, cachePath });
  }

  /** The Plan for `request` as JSON text; NotFound or Invalid with the sources' sentence when an origin is bad. */
  plan(request: Extract<PlanThreadMessage, { type: "plan" }>["request"]): Promise<string> {
    return this.ask<string>((id) => ({ type: "plan", id, request }));
  }

  /** A namespace's next iteration, planned (NotFound or Invalid when an origin cannot be read). */
  iteration(request: IterationPlanRequest): Promise<PlannedIteration> {
    return this.ask<PlannedIteration>((id) => ({ type: "iteration", id, request }));
  }

  private ask<T>(message: (id: number) => PlanThreadMessage): Promise<T> {
    if (this.failed !== null) return Promise.reject(new PlanThreadUnavailable(this.failed));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (answer: never) => void, reject });
      this.post(message(id));
    });
  }

  /** Re-read moved refs (after the server's own ref check found changes). */
  refresh(): void {
    this.post({ type: "refresh" });
  }

  close(): void {
    this.worker.terminate();
  }

  private post(message: PlanThreadMessage): void {
    this.worker.postMessage(message);
  }
}

/** The typed error the worker's one crossed the thread boundary as (its name and sentence survive). */
function rebuild(e: { name: string; message: string }): Error {
  if (e.name === "NotFound") return new NotFound(e.message);
  if (e.name === "Invalid") return new Invalid(e.message);
  if (e.name === "DomainError") return new DomainError(e.message);
  return new Error(e.message);
}
