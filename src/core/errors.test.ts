import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { Conflict, ExternalFailure, Invalid, isExpected, messageOf, NotFound } from "./errors";
import { InvalidName, parsePkgbase } from "./names";
import { parseSrcinfo, SrcinfoError } from "./srcinfo";

describe("the error taxonomy", () => {
  test("what the parsers throw is an Invalid, so every edge maps it by class", () => {
    expect(() => parsePkgbase("../etc")).toThrow(InvalidName);
    expect(() => parsePkgbase("../etc")).toThrow(Invalid);
    expect(() => parseSrcinfo("pkgbase=x\n")).toThrow(SrcinfoError);
    expect(() => parseSrcinfo("pkgbase=x\n")).toThrow(Invalid);
  });

  test("ours are expected, with a sentence for the user; anything else is a bug", () => {
    for (const e of [new NotFound("a"), new Conflict("b"), new ExternalFailure("c"), new InvalidName("d")])
      expect(isExpected(e)).toBe(true);
    for (const e of [new Error("x"), new TypeError("y"), "a string", null]) expect(isExpected(e)).toBe(false);
  });

  test("messageOf: the message, every schema issue with its path, or the value itself", () => {
    expect(messageOf(new Invalid("one sentence"))).toBe("one sentence");
    const issues = z.object({ a: z.object({ b: z.number() }), c: z.string() }).safeParse({ a: { b: "x" }, c: 1 });
    expect(messageOf(issues.error)).toMatch(/^a\.b: .+; c: .+$/);
    expect(messageOf("plain")).toBe("plain");
  });
});
