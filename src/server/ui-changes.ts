// What changed on a live page: which server events concern which page, and what a batch of them amounts to
// once repeated events are folded together. Pure, so the streams only render what this says.
import { assertNever } from "../core/errors";
import type { ServerEvent } from "./events";

/** A page that follows the server live. */
export type LivePage =
  | { kind: "home" }
  | { kind: "namespace"; namespaceId: number }
  | { kind: "build"; buildId: number };

/** Whether an event can change what `page` shows. */
export function concerns(page: LivePage, e: ServerEvent): boolean {
  switch (page.kind) {
    // Log chunks change nothing on the home or a namespace page: a build's first sign of life is its own build
    // event (the move to building, see usecases/build-lifecycle.ts).
    case "home":
      return e.type !== "log";
    case "namespace":
      return e.type !== "log" && e.namespaceId === page.namespaceId;
    case "build":
      return (e.type === "log" || e.type === "build") && e.buildId === page.buildId;
    default:
      return assertNever(page, "live page");
  }
}

/** What a batch of events changed on a page, each thing once. */
export interface PageChanges {
  /** Namespaces with any build, iteration or namespace event, in the order first seen. */
  namespaces: number[];
  /** Whether a namespace's own settings or state changed (its header). */
  namespace: boolean;
  /** The newest iteration announced, or null when none was. */
  newestIteration: number | null;
  /** Builds whose state moved, in the order first seen. */
  builds: number[];
  /** Whether a build's log grew. */
  log: boolean;
}

/** Fold a batch into what it changed on `page`; events that do not concern the page are ignored. */
export function changesOn(page: LivePage, batch: readonly ServerEvent[]): PageChanges {
  const namespaces = new Set<number>();
  const builds = new Set<number>();
  const changes: PageChanges = { namespaces: [], namespace: false, newestIteration: null, builds: [], log: false };
  for (const e of batch) {
    if (!concerns(page, e)) continue;
    if (e.type === "log") {
      changes.log = true;
      continue;
    }
    namespaces.add(e.namespaceId);
    if (e.type === "namespace") changes.namespace = true;
    else if (e.type === "iteration") changes.newestIteration = Math.max(changes.newestIteration ?? 0, e.iterationId);
    else builds.add(e.buildId);
  }
  changes.namespaces = [...namespaces];
  changes.builds = [...builds];
  return changes;
}

/** True when a batch changed nothing the page shows. */
export const nothingChanged = (c: PageChanges): boolean =>
  c.namespaces.length === 0 && !c.namespace && c.newestIteration === null && c.builds.length === 0 && !c.log;
