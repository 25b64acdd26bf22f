// The live pages' replay buffer: a page rendered at cursor N is sent exactly the events after N, and is told
// it is out of date (null) once some of them have been dropped, never silently given a gap.
import { describe, expect, test } from "bun:test";
import { ServerEvents } from "./events";
import { UiEventLog } from "./ui-event-log";

const logEvent = (buildId: number) => ({ type: "log" as const, buildId });

describe("UiEventLog", () => {
  test("replays the events after a cursor, in order, and hands new ones to listeners", () => {
    const events = new ServerEvents();
    const log = new UiEventLog(events, 10);
    expect(log.cursor).toBe(0);
    expect(log.since(0)).toEqual([]);
    const heard: number[] = [];
    const unsubscribe = log.subscribe((n) => heard.push(n.seq));
    for (let i = 1; i <= 3; i++) events.emit(logEvent(i));
    expect(log.cursor).toBe(3);
    expect(log.since(1)?.map((n) => [n.seq, n.event])).toEqual([
      [2, logEvent(2)],
      [3, logEvent(3)],
    ]);
    expect(log.since(3)).toEqual([]);
    unsubscribe();
    events.emit(logEvent(4));
    expect(heard).toEqual([1, 2, 3]);
  });

  test("a cursor older than the kept events is out of date; the newest `capacity` events stay replayable", () => {
    const events = new ServerEvents();
    const log = new UiEventLog(events, 4);
    for (let i = 1; i <= 6; i++) events.emit(logEvent(i));
    // 6 > 4 × 1.25: trimmed to the newest 4 (seq 3…6).
    expect(log.since(1)).toBeNull();
    expect(log.since(2)?.map((n) => n.seq)).toEqual([3, 4, 5, 6]);
    expect(log.since(5)?.map((n) => n.seq)).toEqual([6]);
  });
});
