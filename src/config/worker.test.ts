import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Invalid } from "../core/errors";
import { fakeBuildMs } from "../drivers/fake";
import { loadWorkerConfig, printableWorkerConfig, splitList } from "./worker";

const token = { token: "t0ken" };

describe("loadWorkerConfig", () => {
  test("defaults: local server, x86_64, one slot, fake driver, ./data/worker, 4 h timeout, 24 h for failed builds", () => {
    expect(loadWorkerConfig(token, {}) as unknown).toEqual({
      serverUrl: "http://localhost:8080",
      token: "t0ken",
      architectures: ["x86_64"],
      concurrency: 1,
      driver: "fake",
      fakeDelayMs: 0,
      fakeDurations: null,
      fakeTimeScale: 1,
      workDir: resolve("data/worker"),
      buildUser: "buildbtw-build",
      buildTimeoutMs: 4 * 3_600_000,
      keepFailedHours: 24,
      modifyGpgKeyring: false,
      log: { format: null, level: "info" },
    });
  });

  test("build user, timeout, keep hours and the keyring flag from flags or the environment", () => {
    const env = {
      BUILDBTW_BUILD_USER: "builder",
      BUILDBTW_BUILD_TIMEOUT: "90m",
      BUILDBTW_KEEP_FAILED_HOURS: "0.5",
      BUILDBTW_MODIFY_GPG_KEYRING: "true",
    };
    expect(loadWorkerConfig(token, env)).toMatchObject({
      buildUser: "builder",
      buildTimeoutMs: 90 * 60_000,
      keepFailedHours: 0.5,
      modifyGpgKeyring: true,
    });
    expect(
      loadWorkerConfig(
        {
          ...token,
          "build-user": "other",
          "build-timeout": "3600",
          "keep-failed-hours": "0",
          "modify-gpg-keyring": false,
        },
        { BUILDBTW_BUILD_TIMEOUT: "90m" },
      ),
    ).toMatchObject({ buildUser: "other", buildTimeoutMs: 3_600_000, keepFailedHours: 0, modifyGpgKeyring: false });
  });

  test("a bad timeout, keep hours or build user is named in one sentence", () => {
    expect(() =>
      loadWorkerConfig({ ...token, "build-timeout": "soon", "keep-failed-hours": "-1", "build-user": "a b" }, {}),
    ).toThrow(
      /BUILDBTW_BUILD_USER \(--build-user\): must be a user name.*BUILDBTW_BUILD_TIMEOUT \(--build-timeout\): "soon" is not a duration: write e.g. 90m, 4h, 1h30m or seconds.*BUILDBTW_KEEP_FAILED_HOURS \(--keep-failed-hours\)/,
    );
    expect(() => loadWorkerConfig({ ...token, "build-timeout": "0" }, {})).toThrow("is not a duration");
    expect(() => loadWorkerConfig({ ...token, "keep-failed-hours": "a day" }, {})).toThrow(
      "BUILDBTW_KEEP_FAILED_HOURS (--keep-failed-hours): must be a number of hours",
    );
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
      /invalid worker settings: SERVER_URL \(--server\): .*BUILDBTW_WORKER_ARCH \(--arch\): "any" is not a concrete architecture.*BUILDBTW_WORKER_CONCURRENCY \(--concurrency\): .*BUILDBTW_WORKER_DRIVER \(--driver\): must be one of fake, makepkg, pkgctl/,
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

describe("fake durations", () => {
  const dir = mkdtempSync(join(tmpdir(), "fake-durations-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const load = (flags: Record<string, string>) => loadWorkerConfig({ ...token, ...flags }, {});

  test("a pkgbase's seconds from the file, times the scale; others take --fake-delay-ms", () => {
    const c = load({
      "fake-durations": file("ok.json", '{"llvm": 3600, "zlib": 1.5}'),
      "fake-time-scale": "0.01",
      "fake-delay-ms": "7",
    });
    expect(c.fakeDurations).toEqual({ llvm: 3600, zlib: 1.5 });
    expect(
      fakeBuildMs({ delayMs: c.fakeDelayMs, durations: c.fakeDurations!, timeScale: c.fakeTimeScale }, "llvm"),
    ).toBe(36_000);
    expect(fakeBuildMs({ delayMs: 7, durations: { zlib: 1.5 }, timeScale: 0.01 }, "zlib")).toBe(15);
    expect(fakeBuildMs({ delayMs: 7, durations: { zlib: 1.5 }, timeScale: 0.01 }, "toString")).toBe(7);
  });

  test("a missing file, bad JSON, a non-number and a bad scale are refused with a sentence", () => {
    expect(() => load({ "fake-durations": join(dir, "missing.json") })).toThrow(/--fake-durations: cannot read/);
    expect(() => load({ "fake-durations": file("bad.json", "{") })).toThrow(/is not valid JSON/);
    expect(() => load({ "fake-durations": file("str.json", '{"zlib": "slow"}') })).toThrow(/at zlib/);
    expect(() => load({ "fake-durations": file("arr.json", "[1]") })).toThrow(/JSON object mapping pkgbase/);
    expect(() => load({ "fake-time-scale": "0" })).toThrow(Invalid);
    expect(() => load({ "fake-time-scale": "0" })).toThrow(/positive number/);
    rmSync(dir, { recursive: true, force: true });
  });
});
