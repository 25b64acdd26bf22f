import { describe, expect, test } from "bun:test";
import { loadOperationsConfig, parseBytes } from "./operations";

describe("operations settings", () => {
  test("defaults", () => {
    const c = loadOperationsConfig({});
    expect(c.minFreeDiskBytes).toBe(1024 ** 3);
    expect(c.metricsListen).toBeUndefined();
    expect(c.retention).toEqual({ iterations: 3, finishedDays: 30, logDays: 90, intervalMs: 3_600_000 });
    expect(c.webhooks).toMatchObject({ urls: [], maxAttempts: 8, retryMs: 5000 });
  });

  test("sizes, listen addresses and URL lists are parsed", () => {
    expect(parseBytes("500M")).toBe(500 * 1024 ** 2);
    expect(parseBytes("2 GiB")).toBe(2 * 1024 ** 3);
    expect(parseBytes("1.5k")).toBe(1536);
    expect(parseBytes("12")).toBe(12);
    expect(parseBytes("lots")).toBeNull();
    const c = loadOperationsConfig({
      BUILDBTW_METRICS_LISTEN: ":9464",
      BUILDBTW_WEBHOOK_URLS: "https://a.example/hook, http://b.example:8080/x",
      BUILDBTW_WEBHOOK_SECRET: "0123456789abcdef",
    });
    expect(c.metricsListen).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(loadOperationsConfig({ BUILDBTW_METRICS_LISTEN: "0.0.0.0:0" }).metricsListen).toEqual({
      host: "0.0.0.0",
      port: 0,
    });
    expect(loadOperationsConfig({ BUILDBTW_METRICS_LISTEN: "[::1]:9464" }).metricsListen).toEqual({
      host: "::1",
      port: 9464,
    });
    expect(c.webhooks.urls).toEqual(["https://a.example/hook", "http://b.example:8080/x"]);
  });

  test("bad values are refused with a sentence naming the setting", () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadOperationsConfig(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused({ BUILDBTW_MIN_FREE_DISK: "lots" })).toContain("BUILDBTW_MIN_FREE_DISK must be a size");
    expect(refused({ BUILDBTW_METRICS_LISTEN: "here" })).toContain("BUILDBTW_METRICS_LISTEN must be host:port");
    expect(refused({ BUILDBTW_RETENTION_ITERATIONS: "0" })).toContain(
      "BUILDBTW_RETENTION_ITERATIONS must be a whole number, at least 1",
    );
    expect(refused({ BUILDBTW_WEBHOOK_URLS: "https://a.example/hook" })).toContain("needs BUILDBTW_WEBHOOK_SECRET");
    expect(
      refused({ BUILDBTW_WEBHOOK_URLS: "ftp://a.example", BUILDBTW_WEBHOOK_SECRET: "0123456789abcdef" }),
    ).toContain("is not an http(s) URL");
    expect(refused({ BUILDBTW_WEBHOOK_URLS: "https://a.example", BUILDBTW_WEBHOOK_SECRET: "short" })).toContain(
      "at least 16 characters",
    );
  });
});
