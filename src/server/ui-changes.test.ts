// Which server events concern which live page, and what a batch of them changes there once folded together.
import { describe, expect, test } from "bun:test";
import type { ServerEvent } from "./events";
import { changesOn, concerns, type LivePage, nothingChanged } from "./ui-changes";

const build = (namespaceId: number, buildId: number, status = "building"): ServerEvent => ({
  type: "build",
  namespaceId,
  iterationId: 1,
  buildId,
  status,
});
const iteration = (namespaceId: number, iterationId: number): ServerEvent => ({
  type: "iteration",
  namespaceId,
  iterationId,
});
const ns = (namespaceId: number): ServerEvent => ({ type: "namespace", namespaceId });
const log = (buildId: number): ServerEvent => ({ type: "log", buildId });

const home: LivePage = { kind: "home" };
const nsPage: LivePage = { kind: "namespace", namespaceId: 7 };
const buildPage: LivePage = { kind: "build", buildId: 42 };

describe("concerns", () => {
  test("the home page follows every namespace's builds, iterations and settings, never log chunks", () => {
    expect(concerns(home, build(1, 42))).toBe(true);
    expect(concerns(home, iteration(2, 3))).toBe(true);
    expect(concerns(home, ns(3))).toBe(true);
    expect(concerns(home, log(42))).toBe(false);
  });

  test("a namespace page follows only its own namespace's events, not log chunks", () => {
    expect(concerns(nsPage, build(7, 42))).toBe(true);
    expect(concerns(nsPage, iteration(7, 3))).toBe(true);
    expect(concerns(nsPage, ns(7))).toBe(true);
    expect(concerns(nsPage, build(8, 42))).toBe(false);
    expect(concerns(nsPage, iteration(8, 3))).toBe(false);
    expect(concerns(nsPage, ns(8))).toBe(false);
    expect(concerns(nsPage, log(42))).toBe(false);
  });

  test("a build page follows its own build's state and log, nothing else", () => {
    expect(concerns(buildPage, build(7, 42))).toBe(true);
    expect(concerns(buildPage, log(42))).toBe(true);
    expect(concerns(buildPage, build(7, 43))).toBe(false);
    expect(concerns(buildPage, log(43))).toBe(false);
    expect(concerns(buildPage, ns(7))).toBe(false);
    expect(concerns(buildPage, iteration(7, 2))).toBe(false);
  });
});

describe("changesOn", () => {
  test("repeated events fold into one change each, in the order first seen", () => {
    const batch = [build(7, 5), build(7, 3), build(7, 5, "built"), ns(7), ns(7), build(7, 3, "failed")];
    const c = changesOn(nsPage, batch);
    expect(c.builds).toEqual([5, 3]);
    expect(c.namespace).toBe(true);
    expect(c.namespaces).toEqual([7]);
    expect(c.newestIteration).toBeNull();
    expect(nothingChanged(c)).toBe(false);
  });

  test("of several new iterations the newest is kept, whatever their order", () => {
    expect(changesOn(nsPage, [iteration(7, 4), iteration(7, 9), iteration(7, 6)]).newestIteration).toBe(9);
  });

  test("the home page sees each namespace that moved once, and ignores log chunks", () => {
    const c = changesOn(home, [build(1, 10), log(10), iteration(2, 3), build(1, 11), ns(3), build(2, 12)]);
    expect(c.namespaces).toEqual([1, 2, 3]);
    expect(c.log).toBe(false);
  });

  test("a build page sees its log grow and its state move, coalesced", () => {
    const c = changesOn(buildPage, [log(42), log(42), build(7, 42, "built"), log(43), build(7, 43)]);
    expect(c.log).toBe(true);
    expect(c.builds).toEqual([42]);
    expect(changesOn(buildPage, [log(42)]).builds).toEqual([]);
  });

  test("nothing changed: an empty batch, or one of events for other pages", () => {
    expect(nothingChanged(changesOn(home, []))).toBe(true);
    expect(nothingChanged(changesOn(home, [log(1), log(2)]))).toBe(true);
    expect(nothingChanged(changesOn(nsPage, [build(8, 1), ns(9), iteration(8, 2), log(1)]))).toBe(true);
    expect(nothingChanged(changesOn(buildPage, [build(7, 43), log(43), ns(7)]))).toBe(true);
    expect(changesOn(nsPage, [build(8, 1)])).toEqual({
      namespaces: [],
      namespace: false,
      newestIteration: null,
      builds: [],
      log: false,
    });
  });
});
