import { expect, test } from "bun:test";
import { describeBody, retryAfterMs } from "./transport";

test("Retry-After in seconds or as a date; RateLimit-Reset is an epoch time, not a delta", () => {
  const now = Date.parse("2025-01-05T11:00:00Z");
  expect(retryAfterMs(new Headers({ "retry-after": "30" }), now)).toBe(30_000);
  expect(retryAfterMs(new Headers({ "retry-after": "Sun, 05 Jan 2025 11:00:10 GMT" }), now)).toBe(10_000);
  expect(retryAfterMs(new Headers({ "ratelimit-reset": String(now / 1000 + 7) }), now)).toBe(7_000);
  expect(retryAfterMs(new Headers({}), now)).toBeNull();
});

test("GitLab's error bodies: error first, then message (stringified), else the text", () => {
  const json = "application/json";
  expect(describeBody('{"error":"ref is missing"}', json)).toBe("ref is missing");
  expect(describeBody('{"message":{"base":["Reference not found"]}}', json)).toBe('{"base":["Reference not found"]}');
  expect(describeBody("Retry later\n", "text/plain")).toBe("Retry later");
});
