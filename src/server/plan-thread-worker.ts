// Runs in a Worker thread (plan-thread.ts starts it): POST /api/v1/plan computed off the event loop. The
// thread keeps its own copy of the universe (loaded through the same .SRCINFO cache, so it costs little)
// and answers with the response body already serialised: a plan of a few hundred origins is a graph of
// the whole universe, and handing it back as objects would cost the main thread as much as computing it.
import { planBody } from "../api/plan";
import { DomainError, Invalid, NotFound } from "../core/errors";
import { createPlanner, type Planner } from "../core/graph";
import { parseOriginChangeset } from "../core/names";
import { loadUniverse, openSrcinfoCache, readSourceAt, reloadChanged, type Universe } from "../sources";
import { planIteration } from "./plan-iteration";
import type { PlanThreadMessage, PlanThreadReply } from "./plan-thread";

declare const self: Worker;

interface State {
  universe: Universe;
  planner: Planner;
}

let reposDir = "";
let cache: ReturnType<typeof openSrcinfoCache> | null = null;
let state: Promise<State> | null = null;

const reply = (message: PlanThreadReply) => self.postMessage(message);

self.onmessage = (event: MessageEvent<PlanThreadMessage>) => {
  const m = event.data;
  switch (m.type) {
    case "init":
      reposDir = m.reposDir;
      cache = openSrcinfoCache(m.cachePath);
      state = loadUniverse(reposDir, { cache }).then((universe) => ({
        universe,
        planner: createPlanner(universe.entries),
      }));
      return;
    case "refresh":
      state = (state ?? Promise.reject(new Error("not initialised"))).then(async (s) => {
        const { universe, changes } = await reloadChanged(s.universe, reposDir, { cache: cache ?? undefined });
        const moved = changes.added.length + changes.removed.length + changes.moved.length;
        return moved > 0 ? { universe, planner: createPlanner(universe.entries) } : s;
      });
      return;
    case "plan":
      void plan(m.id, m.request);
      return;
    case "iteration":
      void iteration(m.id, m.request);
      return;
  }
};

async function iteration(id: number, request: Extract<PlanThreadMessage, { type: "iteration" }>["request"]) {
  try {
    const s = await (state ?? Promise.reject(new Error("not initialised")));
    const planned = planIteration(
      {
        planner: s.planner,
        readAt: (pkgbase, ref) => readSourceAt(reposDir, pkgbase, ref, { cache: cache ?? undefined }),
        entry: (pkgbase) => s.universe.entries.get(pkgbase),
      },
      request,
    );
    reply({ id, iteration: planned });
  } catch (error) {
    replyError(id, error);
  }
}

function replyError(id: number, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  const kind =
    e instanceof NotFound
      ? "NotFound"
      : e instanceof Invalid || /^(InvalidName|SrcinfoError|PathEscape)/.test(e.name)
        ? "Invalid"
        : e instanceof DomainError
          ? "DomainError"
          : e.name;
  reply({ id, error: { name: kind, message: e.message } });
}

async function plan(id: number, request: Extract<PlanThreadMessage, { type: "plan" }>["request"]): Promise<void> {
  try {
    const s = await (state ?? Promise.reject(new Error("not initialised")));
    const started = performance.now();
    const origins = request.origin_changesets
      .map(parseOriginChangeset)
      .map((o) => readSourceAt(reposDir, o.pkgbase, o.ref, { cache: cache ?? undefined }));
    const result = s.planner.plan(origins, {
      arch: request.arch,
      include: request.include,
      defaultArch: request.defaultArch,
    });
    const stats = { pkgbases: s.universe.entries.size, skipped: s.universe.skipped.length };
    reply({ id, json: JSON.stringify(planBody(origins, result, stats, performance.now() - started)) });
  } catch (error) {
    replyError(id, error);
  }
}
