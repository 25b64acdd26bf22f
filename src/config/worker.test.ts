import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Invalid } from "../core/errors";
import { loadWorkerConfig, printableWorkerConfig, splitList } from "./worker";

const token = { token: "t0ken" };

describe("loadWorkerConfig", () => {
  test("defaults: local server, x86_64, one slot, fake driver, ./data/worker", () => {
    expect(loadWorkerConfig(token, {}) as unknown).toEqual({
      serverUrl: "http://localhost:8080",
      token: "t0ken",
      architectures: ["x86_64"],
      concurrency: 1,
      driver: "fake",
      fakeDelayMs: 0,
      workDir: resolve("data/worker"),
    });
  });

  test("a flag wins over the environment, the environment over the default", () => {
    const env = { SERVER_URL: "http://env:1", BUILDBTW_TOKEN: "from-env", BUILDBTW_WORKER_CONCURRENCY: "3" };
    expect(loadWorkerConfig({}, env)).toMatchObject({ serverUrl: "http://env:1", token: "from-env", concurrency: 3 });
    expect(loadWorkerConfig({ server: "https://flag/", token: "from-flag", concurrency: "2" }, env)).toMatchObject({
      serverUrl: "https://flag",
      token: "from-flag",
      concurrency: 2,
    });
  });

  test("empty values count as unset", () => {
    expect(
      loadWorkerConfig({ server: "", token: "" }, { SERVER_URL: "http://env:1", BUILDBTW_TOKEN: "e" }),
    ).toMatchObject({
      serverUrl: "http://env:1",
      token: "e",
    });
  });

  test("--arch is repeatable and comma-separated, without duplicates", () => {
    const config = loadWorkerConfig({ ...token, arch: ["x86_64,aarch64", " x86_64_v3", "x86_64"] }, {});
    expect(config.architectures as string[]).toEqual(["x86_64", "aarch64", "x86_64_v3"]);
    expect(loadWorkerConfig(token, { BUILDBTW_WORKER_ARCH: "riscv64" }).architectures as string[]).toEqual(["riscv64"]);
  });

  test("the token is required and named in the error", () => {
    expect(() => loadWorkerConfig({}, {})).toThrow(Invalid);
    expect(() => loadWorkerConfig({}, {})).toThrow("pass --token or set BUILDBTW_TOKEN");
  });

  test("bad values get one sentence naming each setting", () => {
    const bad = () =>
      loadWorkerConfig({ ...token, arch: "any", concurrency: "0", driver: "docker", server: "ftp://x" }, {});
    expect(bad).toThrow(
      /invalid worker settings: .*serverUrl.*architectures\.0: "any" is not a concrete architecture.*concurrency.*driver: must be one of fake, makepkg, pkgctl/,
    );
  });

  test("the token prints as [redacted]", () => {
    expect(printableWorkerConfig(loadWorkerConfig(token, {})).token).toBe("[redacted]");
  });
});

test("splitList", () => {
  expect(splitList(undefined)).toBeUndefined();
  expect(splitList(" , ")).toBeUndefined();
  expect(splitList("a,b")).toEqual(["a", "b"]);
});
