import { describe, expect, test } from "bun:test";
import { Conflict, ExternalFailure, Forbidden, Invalid, NotFound, Unauthorized } from "../../core/errors";
import { InvalidName } from "../../core/names";
import { SrcinfoError } from "../../core/srcinfo";
import { TemplateError } from "../../executor/template";
import { GitlabRefused } from "../../gitlab/errors";
import { InvalidWebhook } from "../../gitlab/webhook";
import { PathEscape } from "../../lib/paths";
import { statusOf } from "./errors";

describe("statusOf maps errors by class", () => {
  const cases: [Error, number][] = [
    [new NotFound("x"), 404],
    [new Invalid("x"), 400],
    [new Conflict("x"), 409],
    [new Unauthorized("x"), 401],
    [new Forbidden("x"), 403],
    // Parsers' and checks' own errors are Invalids: no list of names to keep up to date.
    [new InvalidName("x"), 400],
    [new SrcinfoError("x", 1, 1), 400],
    [new PathEscape("x"), 400],
    [new TemplateError("x"), 400],
    [new InvalidWebhook("x"), 400],
    // A failing dependency and a bug are the server's problem.
    [new GitlabRefused(403, "", "a call"), 500],
    [new ExternalFailure("x"), 500],
    [new Error("x"), 500],
  ];
  test.each(cases.map(([error, status]) => [`${error.name} → ${status}`, error, status] as const))(
    "%s",
    (_, error, status) => {
      expect(statusOf(error) as number).toBe(status);
    },
  );
});
