import { expect, test } from "bun:test";
import { describeExit, parseStat, shellQuote } from "./process";

test("parseStat reads pid, state, parent and group, whatever the command name holds", () => {
  expect(parseStat("4242 (sleep) S 4200 4100 4100 0 -1 4194304")).toEqual({
    pid: 4242,
    state: "S",
    ppid: 4200,
    pgrp: 4100,
  });
  expect(parseStat("7 (a) b (c)) Z 1 7 7 0")).toEqual({ pid: 7, state: "Z", ppid: 1, pgrp: 7 });
  expect(parseStat("")).toBeNull();
  expect(parseStat("garbage")).toBeNull();
});

test("describeExit says how a command ended", () => {
  expect(describeExit({ code: 4, signal: null })).toBe("exited with status 4");
  expect(describeExit({ code: null, signal: "SIGKILL" })).toBe("was killed by SIGKILL");
});

test("shellQuote makes one shell word of anything", () => {
  expect(shellQuote("/tmp/build dir")).toBe("'/tmp/build dir'");
  expect(shellQuote("it's $(rm -rf /)")).toBe("'it'\\''s $(rm -rf /)'");
});
