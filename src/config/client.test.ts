import { expect, test } from "bun:test";
import { loadClientConfig, printableClientConfig } from "./client";

test("client settings: flag → environment → default; the token is optional", () => {
  const none = { XDG_CONFIG_HOME: "/nonexistent" };
  expect(loadClientConfig({}, none)).toEqual({ serverUrl: "http://localhost:8080", token: undefined, tokenFrom: null });
  expect(loadClientConfig({}, { SERVER_URL: "http://env:9/", BUILDBTW_TOKEN: "e" })).toEqual({
    serverUrl: "http://env:9",
    token: "e",
    tokenFrom: "env",
  });
  expect(
    loadClientConfig({ "server-url": "https://flag", token: "f" }, { SERVER_URL: "http://env:9", BUILDBTW_TOKEN: "e" }),
  ).toEqual({
    serverUrl: "https://flag",
    token: "f",
    tokenFrom: "flag",
  });
});

test("a server URL that is not http(s) is refused in one sentence", () => {
  expect(() => loadClientConfig({ "server-url": "localhost:8080" }, {})).toThrow(
    /invalid client settings: SERVER_URL \(--server-url\): /,
  );
});

test("the token prints as [redacted]", () => {
  expect(printableClientConfig(loadClientConfig({ token: "secret" }, {})).token).toBe("[redacted]");
});
