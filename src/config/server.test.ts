import { describe, expect, test } from "bun:test";
import { Invalid } from "../core/errors";
import { loadGitlabSourceConfig, loadServerConfig, printableServerConfig } from "./server";

const load = (env: Record<string, string>) => loadServerConfig({}, env);

describe("GitLab settings", () => {
  test("off without GITLAB_TOKEN; the predecessor's defaults for domain and group", () => {
    expect(load({}).gitlab).toBeNull();
    expect(loadGitlabSourceConfig({}, {})).toEqual({
      url: "https://gitlab.archlinux.org",
      token: undefined,
      group: "archlinux/packaging/packages",
      fetchConcurrency: 8,
    });
  });

  test("on with a token: host names become https URLs, full URLs are kept, intervals have defaults", () => {
    const g = load({ GITLAB_TOKEN: "glpat-x", GITLAB_DOMAIN: "http://127.0.0.1:8929/", RUN_BUILDS_ON_GITLAB: "TRUE" })
      .gitlab!;
    expect(g).toMatchObject({
      url: "http://127.0.0.1:8929",
      runBuilds: true,
      ciConfigPath: null,
      originFetchIntervalMs: 60_000,
      sweepIntervalMs: 300_000,
      pipelinePollIntervalMs: 15_000,
      maxPipelines: 200,
    });
    expect(load({ GITLAB_TOKEN: "glpat-x", GITLAB_DOMAIN: "gitlab.example.org" }).gitlab!.url).toBe(
      "https://gitlab.example.org",
    );
  });

  test("bad settings are one sentence naming the setting", () => {
    expect(() => load({ RUN_BUILDS_ON_GITLAB: "true" })).toThrow(
      new Invalid("invalid GitLab settings: RUN_BUILDS_ON_GITLAB=true needs GITLAB_TOKEN"),
    );
    expect(() => load({ GITLAB_TOKEN: "t", RUN_BUILDS_ON_GITLAB: "maybe" })).toThrow(
      /RUN_BUILDS_ON_GITLAB must be true or false/,
    );
    expect(() => load({ GITLAB_TOKEN: "t", GITLAB_WEBHOOK_SIGNING_TOKEN: "secret" })).toThrow(/whsec_/);
    expect(() => load({ GITLAB_TOKEN: "t", GITLAB_PACKAGES_GROUP: "a b" })).toThrow(/GITLAB_PACKAGES_GROUP/);
    expect(() => load({ GITLAB_TOKEN: "t", BUILDBTW_GITLAB_SWEEP_INTERVAL_MS: "10" })).toThrow(
      /BUILDBTW_GITLAB_SWEEP_INTERVAL_MS must be a whole number, at least 1000/,
    );
  });

  test("secrets print as [redacted]", () => {
    const c = load({
      GITLAB_TOKEN: "glpat-secret",
      GITLAB_WEBHOOK_SECRET: "hook-secret-1",
      BUILDBTW_ADMIN_TOKEN: "a".repeat(20),
    });
    const printed = JSON.stringify(printableServerConfig(c));
    expect(printed).not.toContain("glpat-secret");
    expect(printed).not.toContain("hook-secret-1");
    expect(printableServerConfig(c).gitlab).toMatchObject({ token: "[redacted]", webhookSecret: "[redacted]" });
  });
});

describe("server settings errors", () => {
  test("each bad setting is named the way it is set, flag or variable, in one sentence", () => {
    let message = "";
    try {
      loadServerConfig(
        { port: "70000", "lease-ttl": "5" },
        { BUILDBTW_SCHEDULE_ORDER: "random", BUILDBTW_DEFAULT_ESTIMATE: "soon", BUILDBTW_MAX_LOG_BYTES: "10" },
      );
    } catch (error) {
      expect(error).toBeInstanceOf(Invalid);
      message = (error as Error).message;
    }
    expect(message).toStartWith("invalid server settings: PORT (--port): ");
    expect(message).toContain("; BUILDBTW_LEASE_TTL_MS (--lease-ttl): ");
    expect(message).toContain('; BUILDBTW_DEFAULT_ESTIMATE: "soon" is not a duration: write e.g. 30m, 1h, 1h30m');
    expect(message).toContain("; BUILDBTW_SCHEDULE_ORDER: must be critical-path or build-order");
    // A message that names its variable itself gets no second name.
    expect(message).toContain("; BUILDBTW_MAX_LOG_BYTES must be at least 4096");
    expect(message).not.toMatch(/\b(port|leaseTtlMs|defaultEstimateMs|scheduleOrder|maxLogBytes):/);
    expect(message.split("\n")).toHaveLength(1);
  });

  test("GitLab settings are named by their variables too", () => {
    expect(() => load({ GITLAB_TOKEN: "t", GITLAB_PACKAGES_CI_CONFIG: "x".repeat(2000) })).toThrow(
      /^invalid GitLab settings: GITLAB_PACKAGES_CI_CONFIG: /,
    );
  });
});
