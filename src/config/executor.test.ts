import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Invalid } from "../core/errors";
import {
  DEFAULT_EXECUTOR_DIR,
  JobSetsRunnerSetting,
  loadExecutorConfig,
  loadExecutorPaths,
  parseIsolation,
} from "./executor";

const required = { SERVER_URL: "https://buildbtw.example.org/", BUILDBTW_TOKEN: "w0rker" };
const tmp = mkdtempSync(join(tmpdir(), "buildbtw-executor-config-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The message `load` throws, which must be an Invalid (the executor reports those as the runner host's fault). */
function refusal(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(Invalid);
    return (error as Error).message;
  }
  throw new Error("the settings were accepted");
}

describe("loadExecutorConfig", () => {
  test("defaults: vmexec, /srv/buildbtw/gitlab, 8 server attempts, buildbtw-build, the archlinux image", () => {
    expect(loadExecutorConfig(required)).toEqual({
      serverUrl: "https://buildbtw.example.org",
      token: "w0rker",
      dir: DEFAULT_EXECUTOR_DIR,
      isolation: { kind: "vmexec" },
      serverAttempts: 8,
      buildUser: "buildbtw-build",
      vmexec: { image: "archlinux", pmem: "/var/lib/archbuild:30", sshTimeoutS: 120 },
    });
    expect(DEFAULT_EXECUTOR_DIR).toBe("/srv/buildbtw/gitlab");
  });

  test("every setting from the environment; empty values count as unset", () => {
    const config = loadExecutorConfig({
      ...required,
      BUILDBTW_EXECUTOR_DIR: "/var/lib/buildbtw-runner",
      BUILDBTW_EXECUTOR_ISOLATION: "none",
      BUILDBTW_EXECUTOR_SERVER_ATTEMPTS: "3",
      BUILDBTW_BUILD_USER: "builder",
      BUILDBTW_VMEXEC_IMAGE: "ghcr.io/arch/vm:latest",
      BUILDBTW_VMEXEC_PMEM: "/srv/pmem:60",
      BUILDBTW_VMEXEC_SSH_TIMEOUT: "",
    });
    expect(config).toMatchObject({
      dir: "/var/lib/buildbtw-runner",
      isolation: { kind: "none" },
      serverAttempts: 3,
      buildUser: "builder",
      vmexec: { image: "ghcr.io/arch/vm:latest", pmem: "/srv/pmem:60", sshTimeoutS: 120 },
    });
  });

  test("a bad value is refused with one sentence naming its variable", () => {
    const cases: [Record<string, string>, string][] = [
      [
        { BUILDBTW_TOKEN: "t" },
        "SERVER_URL is not set; set it to the buildbtw server's URL in the runner's environment",
      ],
      [{ SERVER_URL: "http://127.0.0.1:9" }, "BUILDBTW_TOKEN is not set"],
      [{ ...required, SERVER_URL: "server:8080" }, "SERVER_URL must be an http:// or https:// URL"],
      [{ ...required, BUILDBTW_EXECUTOR_DIR: "data/gitlab" }, "BUILDBTW_EXECUTOR_DIR must be an absolute path"],
      [{ ...required, BUILDBTW_EXECUTOR_SERVER_ATTEMPTS: "0" }, "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS must be at least 1"],
      [
        { ...required, BUILDBTW_EXECUTOR_SERVER_ATTEMPTS: "many" },
        "BUILDBTW_EXECUTOR_SERVER_ATTEMPTS must be a number",
      ],
      [{ ...required, BUILDBTW_BUILD_USER: "Build User" }, "BUILDBTW_BUILD_USER must be a user name"],
      [{ ...required, BUILDBTW_VMEXEC_PMEM: "/var/lib/archbuild" }, "BUILDBTW_VMEXEC_PMEM must be PATH:GiB"],
      [{ ...required, BUILDBTW_VMEXEC_SSH_TIMEOUT: "1.5" }, "BUILDBTW_VMEXEC_SSH_TIMEOUT must be a whole number"],
    ];
    for (const [env, message] of cases) {
      const text = refusal(() => loadExecutorConfig(env));
      expect(text).toStartWith("invalid executor settings: ");
      expect(text).toContain(message);
      // The variable leads its sentence; no internal field name goes before it.
      expect(text).not.toMatch(/serverUrl|serverAttempts|vmexec\.|buildUser|\bdir:/);
    }
    // Several problems: all of them, in one line.
    expect(refusal(() => loadExecutorConfig({ BUILDBTW_EXECUTOR_DIR: "x" }))).toBe(
      "invalid executor settings: BUILDBTW_EXECUTOR_DIR must be an absolute path; " +
        "SERVER_URL is not set; set it to the buildbtw server's URL in the runner's environment; " +
        "BUILDBTW_TOKEN is not set; set it to a worker token in the runner's environment",
    );
  });

  test("cleanup's paths need nothing but the directory", () => {
    expect(loadExecutorPaths({})).toEqual({ dir: DEFAULT_EXECUTOR_DIR });
    expect(refusal(() => loadExecutorPaths({ BUILDBTW_EXECUTOR_DIR: "./x" }))).toBe(
      "invalid executor settings: BUILDBTW_EXECUTOR_DIR must be an absolute path",
    );
  });
});

describe("isolation", () => {
  test("vmexec by default, none, or a command template", () => {
    expect(parseIsolation(undefined)).toEqual({ kind: "vmexec" });
    expect(parseIsolation("  ")).toEqual({ kind: "vmexec" });
    expect(parseIsolation("none")).toEqual({ kind: "none" });
    expect(parseIsolation("nice -n 19 {command}")).toEqual({
      kind: "template",
      template: { text: "nice -n 19 {command}", words: ["nice", "-n", "19", "{command}"] },
    });
  });

  test("a word that is no isolation, or a bad template, is refused naming BUILDBTW_EXECUTOR_ISOLATION", () => {
    expect(refusal(() => parseIsolation("docker"))).toMatch(
      /^invalid executor settings: BUILDBTW_EXECUTOR_ISOLATION is "docker"; it must be vmexec, none, or a command template/,
    );
    expect(
      refusal(() => loadExecutorConfig({ ...required, BUILDBTW_EXECUTOR_ISOLATION: "sandbox {sources}" })),
    ).toMatch(
      /^invalid executor settings: BUILDBTW_EXECUTOR_ISOLATION: the isolation command template names \{sources\}, which is not one of/,
    );
  });
});

describe("settings from config.toml's [[runners]] environment", () => {
  const payload = (keys: string[]) => {
    const file = join(tmp, `job-${keys.join("-") || "none"}.json`);
    writeFileSync(file, JSON.stringify({ id: 1, variables: keys.map((key) => ({ key, value: "x" })) }));
    return file;
  };
  const viaRunner = {
    CUSTOM_ENV_SERVER_URL: "http://runner.test:8080",
    CUSTOM_ENV_BUILDBTW_TOKEN: "from-runner",
    CUSTOM_ENV_BUILDBTW_EXECUTOR_DIR: "/srv/runner",
  };

  test("a CUSTOM_ENV_ setting counts when the job's payload did not carry it", () => {
    const config = loadExecutorConfig({ ...viaRunner, JOB_RESPONSE_FILE: payload(["CI_JOB_ID"]) });
    expect(config).toMatchObject({ serverUrl: "http://runner.test:8080", token: "from-runner", dir: "/srv/runner" });
    expect(loadExecutorPaths({ ...viaRunner, JOB_RESPONSE_FILE: payload([]) })).toEqual({ dir: "/srv/runner" });
  });

  test("the runner's own environment wins over CUSTOM_ENV_", () => {
    const config = loadExecutorConfig({ ...viaRunner, ...required, JOB_RESPONSE_FILE: payload([]) });
    expect(config.serverUrl).toBe("https://buildbtw.example.org");
  });

  test("without a readable job payload there is no telling them from job variables: not taken", () => {
    expect(refusal(() => loadExecutorConfig(viaRunner))).toContain("SERVER_URL is not set");
    expect(refusal(() => loadExecutorConfig({ ...viaRunner, JOB_RESPONSE_FILE: join(tmp, "missing.json") }))).toContain(
      "SERVER_URL is not set",
    );
  });

  test("a job that sets a runner's setting itself is refused as the job's fault", () => {
    const env = {
      ...required,
      CUSTOM_ENV_BUILDBTW_EXECUTOR_ISOLATION: "none",
      JOB_RESPONSE_FILE: payload(["BUILDBTW_EXECUTOR_ISOLATION"]),
    };
    expect(() => loadExecutorConfig(env)).toThrow(JobSetsRunnerSetting);
    expect(() => loadExecutorConfig(env)).toThrow(
      "the job sets BUILDBTW_EXECUTOR_ISOLATION, which only the runner's configuration may set; remove it from the pipeline's variables",
    );
  });
});
