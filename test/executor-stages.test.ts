// `buildbtw executor` stage by stage, as gitlab-runner calls it (through the runner harness, real processes):
// config's JSON, settings errors, refused job variables, host stages and their exit codes, cleanup on any state.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_PACKAGES, srcinfoOf, writeDemoPackage } from "../scripts/demo-packages";
import {
  executorJobDir,
  executorRunner,
  type JobPayload,
  pipelineBuildOf,
  pipelineJob,
  pipelineVariablesOf,
  runJob,
  type StandInServer,
  startStandInServer,
} from "./runner-harness";
import { cliCommand, runProcess } from "./support/cli";
import { makeTempDir, removeDir } from "./support/git";

let tmp: string;
let repos: string;
let server: StandInServer;
const libdemo = DEMO_PACKAGES.find((p) => p.pkgbase === "libdemo")!;
let commit: string;
let nextId = 100;

beforeAll(() => {
  tmp = makeTempDir("buildbtw-executor-");
  chmodSync(tmp, 0o755);
  repos = join(tmp, "repos");
  mkdirSync(repos);
  commit = writeDemoPackage(repos, libdemo);
  server = startStandInServer();
});
afterAll(async () => {
  await server.stop();
  removeDir(tmp);
});

/** A fresh executor directory, a known build on the stand-in server, and the job of its pipeline. */
function setup(overrides: { variables?: Record<string, string>; script?: string[]; afterScript?: string[] } = {}) {
  const id = nextId++;
  const dir = join(tmp, `executor-${id}`);
  mkdirSync(dir, { mode: 0o755 });
  const build = pipelineBuildOf(
    { buildId: id, namespace: "libdemo", iteration: 1, arch: "x86_64", pkgbase: "libdemo", commit, pipelineId: id },
    srcinfoOf(libdemo),
    server.url,
  );
  const token = `build-token-${id}`;
  server.add(build, token);
  const job = pipelineJob({
    jobId: id,
    pipelineId: id,
    projectId: 1,
    projectPath: "archlinux/packaging/packages/libdemo",
    repoUrl: `file://${join(repos, "libdemo")}`,
    ref: "main",
    sha: commit,
    variables: { ...pipelineVariablesOf(build, token, server.url), ...overrides.variables },
    script: overrides.script,
    afterScript: overrides.afterScript,
  });
  return { id, dir, build, token, job };
}

/** Run one executor subcommand like the runner would, with `env` on top of a runner-like environment. */
function executor(args: string[], env: Record<string, string>, cwd = tmp) {
  return runProcess([...cliCommand(), "executor", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp, ...env },
  });
}

/** The job's variables and the runner-computed ones, as CUSTOM_ENV_*, with `extra` on top. */
const customEnv = (job: JobPayload, extra: Record<string, string> = {}) =>
  Object.fromEntries(
    [
      ...job.variables.map((v) => [v.key, v.value]),
      ["CI_CONCURRENT_ID", "0"],
      ["CI_CONCURRENT_PROJECT_ID", "0"],
      ...Object.entries(extra),
    ].map(([k, v]) => [`CUSTOM_ENV_${k}`, v]),
  );

describe("config", () => {
  test("prints the JSON the runner reads: per-slot builds and cache directories under the executor directory", async () => {
    const { dir, job } = setup();
    const out = await executor(["config"], {
      SERVER_URL: server.url,
      BUILDBTW_TOKEN: "runner-token",
      BUILDBTW_EXECUTOR_DIR: dir,
      ...customEnv(job, { CI_CONCURRENT_PROJECT_ID: "3", CI_BUILDS_DIR: "", CI_PROJECT_DIR: "" }),
    });
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("");
    const config = JSON.parse(out.stdout);
    expect(Object.keys(config).sort()).toEqual(
      ["builds_dir", "builds_dir_is_shared", "cache_dir", "driver", "hostname", "shell"].sort(),
    );
    expect(config.builds_dir).toBe(join(dir, "builds", "3", "archlinux-packaging-packages-libdemo"));
    expect(config.cache_dir).toBe(join(dir, "cache", "3", "archlinux-packaging-packages-libdemo"));
    expect(config.builds_dir_is_shared).toBe(false);
    expect(config.driver).toEqual({ name: "buildbtw", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(config.shell).toBe("bash");
    expect(typeof config.hostname).toBe("string");
    // config creates nothing: prepare does.
    expect(existsSync(join(dir, "builds"))).toBe(false);
  });

  test("two concurrent slots of one project get different builds directories", async () => {
    const { dir, job } = setup();
    const dirs = [];
    for (const slot of ["0", "1"]) {
      const out = await executor(["config"], {
        SERVER_URL: server.url,
        BUILDBTW_TOKEN: "t",
        BUILDBTW_EXECUTOR_DIR: dir,
        ...customEnv(job, { CI_CONCURRENT_PROJECT_ID: slot }),
      });
      dirs.push(JSON.parse(out.stdout).builds_dir);
    }
    expect(new Set(dirs).size).toBe(2);
  });
});

describe("settings errors are system failures with one sentence", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["no SERVER_URL", { BUILDBTW_TOKEN: "t" }, /SERVER_URL is not set/],
    ["no BUILDBTW_TOKEN", { SERVER_URL: "http://127.0.0.1:9" }, /BUILDBTW_TOKEN is not set/],
    ["a SERVER_URL that is no URL", { SERVER_URL: "server:8080", BUILDBTW_TOKEN: "t" }, /SERVER_URL must be/],
    [
      "an unknown isolation",
      { SERVER_URL: "http://127.0.0.1:9", BUILDBTW_TOKEN: "t", BUILDBTW_EXECUTOR_ISOLATION: "docker" },
      /BUILDBTW_EXECUTOR_ISOLATION is "docker"; it must be vmexec, none, or a command template/,
    ],
    [
      "a template with an unknown placeholder",
      { SERVER_URL: "http://127.0.0.1:9", BUILDBTW_TOKEN: "t", BUILDBTW_EXECUTOR_ISOLATION: "sandbox {sources}" },
      /names \{sources\}, which is not one of/,
    ],
    [
      "a relative executor directory",
      { SERVER_URL: "http://127.0.0.1:9", BUILDBTW_TOKEN: "t", BUILDBTW_EXECUTOR_DIR: "data/gitlab" },
      /BUILDBTW_EXECUTOR_DIR must be an absolute path/,
    ],
  ];
  for (const [what, settings, message] of cases) {
    test(what, async () => {
      const { job } = setup();
      for (const stage of ["config", "prepare"]) {
        const out = await executor([stage], { ...settings, SYSTEM_FAILURE_EXIT_CODE: "2", ...customEnv(job) });
        expect(out.code).toBe(2);
        expect(out.stderr).toMatch(message);
        expect(out.stderr.trim().split("\n")).toHaveLength(1);
        expect(out.stderr).not.toContain("    at ");
      }
    });
  }

  test("the exit codes are the ones the runner passes, not hard-coded", async () => {
    const { job } = setup();
    const out = await executor(["config"], { BUILDBTW_TOKEN: "t", SYSTEM_FAILURE_EXIT_CODE: "42", ...customEnv(job) });
    expect(out.code).toBe(42);
  });
});

describe("job variables that would reach a path are checked", () => {
  const refused: [string, Record<string, string>, RegExp][] = [
    ["a project slug with ..", { CI_PROJECT_PATH_SLUG: "../../etc" }, /CI_PROJECT_PATH_SLUG is refused/],
    ["a job id with a slash", { CI_JOB_ID: "1/../../x" }, /CI_JOB_ID is refused/],
    ["a concurrency slot that is a path", { CI_CONCURRENT_PROJECT_ID: "../0" }, /CI_CONCURRENT_PROJECT_ID is refused/],
    ["a pkgbase with ..", { BUILDBTW_PKGBASE: "../../etc" }, /BUILDBTW_PKGBASE is refused/],
    ["a namespace with a slash", { BUILDBTW_NAMESPACE: "a/b" }, /BUILDBTW_NAMESPACE is refused/],
    ["an architecture with a slash", { BUILDBTW_ARCH: "x86_64/../../" }, /BUILDBTW_ARCH is refused/],
    [
      "a package file with a directory",
      { BUILDBTW_EXPECTED_FILES: "../x-1-1-x86_64.pkg.tar.zst" },
      /BUILDBTW_EXPECTED_FILES is refused/,
    ],
    ["a commit that is not one", { BUILDBTW_COMMIT: "HEAD~1" }, /BUILDBTW_COMMIT is refused/],
  ];
  for (const [what, variables, message] of refused) {
    test(`${what}: a build failure before anything is created`, async () => {
      const { dir, job } = setup();
      const out = await executor(["prepare"], {
        SERVER_URL: server.url,
        BUILDBTW_TOKEN: "t",
        BUILDBTW_EXECUTOR_DIR: dir,
        BUILD_FAILURE_EXIT_CODE: "1",
        ...customEnv(job, variables),
      });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(message);
      expect(existsSync(join(dir, "jobs"))).toBe(false);
      expect(existsSync(join(dir, "builds"))).toBe(false);
    });
  }

  test("a CI_PROJECT_DIR outside the job's builds directory is refused by build_script", async () => {
    const { dir, job } = setup();
    const env = {
      SERVER_URL: server.url,
      BUILDBTW_TOKEN: "t",
      BUILDBTW_EXECUTOR_DIR: dir,
      BUILDBTW_EXECUTOR_ISOLATION: "none",
    };
    expect((await executor(["prepare"], { ...env, ...customEnv(job) })).code).toBe(0);
    const script = join(tmp, `script-${job.id}`);
    writeFileSync(script, "exit 0\n");
    for (const outside of [repos, `${dir}/builds/0/archlinux-packaging-packages-libdemo/../../../jobs`]) {
      const out = await executor(["run", script, "build_script"], {
        ...env,
        ...customEnv(job, { CI_PROJECT_DIR: outside }),
      });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/CI_PROJECT_DIR is refused/);
    }
    expect(server.events.some((e) => e.kind === "file" && e.buildId === job.id)).toBe(false);
  });

  test("a job cannot choose its own isolation through a pipeline variable", async () => {
    const { dir, job } = setup({ variables: { BUILDBTW_EXECUTOR_ISOLATION: "none" } });
    const runner = executorRunner({ dir, serverUrl: server.url, token: "runner-token" });
    const result = await runJob(runner, job);
    expect(result.status).toBe("failed");
    expect(result.failureReason).toBe("script_failure");
    expect(result.attempts).toBe(1);
    expect(result.log).toMatch(
      /the job sets BUILDBTW_EXECUTOR_ISOLATION, which only the runner's configuration may set/,
    );
  });

  test("settings from config.toml's [[runners]] environment (CUSTOM_ENV_ but not the job's) are taken", async () => {
    const { dir, job } = setup();
    const runner = executorRunner({ dir, serverUrl: server.url, token: "runner-token", viaRunnersEnvironment: true });
    runner.runExec = [...cliCommand(), "executor", "run"];
    const config = await executor(["config"], {
      JOB_RESPONSE_FILE: join(tmp, `response-${job.id}.json`),
      ...customEnv(job, { SERVER_URL: server.url, BUILDBTW_TOKEN: "t", BUILDBTW_EXECUTOR_DIR: dir }),
    });
    // Without the job payload there is no telling runner settings from job variables: not taken.
    expect(config.code).toBe(2);
    writeFileSync(join(tmp, `response-${job.id}.json`), JSON.stringify(job));
    const again = await executor(["config"], {
      JOB_RESPONSE_FILE: join(tmp, `response-${job.id}.json`),
      ...customEnv(job, { SERVER_URL: server.url, BUILDBTW_TOKEN: "t", BUILDBTW_EXECUTOR_DIR: dir }),
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).builds_dir.startsWith(dir)).toBe(true);
  });
});

describe("run: the runner's own stages run on the host", () => {
  test("a failing get_sources is a build failure whose exit code the runner can read", async () => {
    const { dir, job } = setup();
    job.git_info.repo_url = `file://${join(repos, "does-not-exist")}`;
    for (const v of job.variables) if (v.key === "CI_REPOSITORY_URL") v.value = job.git_info.repo_url;
    const result = await runJob(executorRunner({ dir, serverUrl: server.url, token: "t", isolation: "none" }), job);
    expect(result.status).toBe("failed");
    expect(result.failureReason).toBe("script_failure");
    // git's own exit status, through BUILD_EXIT_CODE_FILE.
    expect(result.exitCode).toBe(128);
    const stages = result.calls.filter((c) => c.stage === "run").map((c) => c.runStage);
    expect(stages).toEqual(["prepare_script", "get_sources", "cleanup_file_variables"]);
    expect(result.log).toMatch(/the runner's get_sources script exited with status 128/);
    expect(result.calls.at(-1)?.stage).toBe("cleanup");
  });

  test("job-defined commands (after_script) are not run on the host", async () => {
    const marker = join(tmp, "after-script-ran");
    const { dir, job } = setup({ afterScript: [`touch ${marker}`] });
    const script = join(tmp, `after-${job.id}`);
    writeFileSync(script, `touch ${marker}\n`);
    const out = await executor(["run", script, "after_script"], {
      SERVER_URL: server.url,
      BUILDBTW_TOKEN: "t",
      BUILDBTW_EXECUTOR_DIR: dir,
      ...customEnv(job),
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/not running after_script/);
    expect(existsSync(marker)).toBe(false);
  });

  test("the runner's token is not in a host script's environment", async () => {
    const { dir, job } = setup();
    const script = join(tmp, `env-${job.id}`);
    const dump = join(tmp, `env-${job.id}.txt`);
    writeFileSync(script, `env > ${dump}\n`);
    const out = await executor(["run", script, "prepare_script"], {
      SERVER_URL: server.url,
      BUILDBTW_TOKEN: "runner-secret-token",
      BUILDBTW_EXECUTOR_DIR: dir,
      // As config.toml's [[runners]] environment hands it over (src/config/executor.ts).
      CUSTOM_ENV_BUILDBTW_TOKEN: "runner-secret-token",
      ...customEnv(job),
    });
    expect(out.code).toBe(0);
    const env = readFileSync(dump, "utf8");
    expect(env).toContain(`CUSTOM_ENV_CI_JOB_ID=${job.id}`);
    expect(env).not.toContain("runner-secret-token");
  });

  test("a stage name that is not one is a system failure", async () => {
    const { dir, job } = setup();
    const out = await executor(["run", "/dev/null", "../build_script"], {
      SERVER_URL: server.url,
      BUILDBTW_TOKEN: "t",
      BUILDBTW_EXECUTOR_DIR: dir,
      ...customEnv(job),
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/is not a stage name gitlab-runner sends/);
  });
});

describe("cleanup", () => {
  test("on already-clean state, without settings, and twice in a row it exits 0", async () => {
    const { dir, job } = setup();
    const env: Record<string, string> = { BUILDBTW_EXECUTOR_DIR: dir, ...customEnv(job) };
    const states: Record<string, string>[] = [
      env,
      env,
      {},
      { BUILDBTW_EXECUTOR_DIR: "relative" },
      { CUSTOM_ENV_CI_JOB_ID: "../../x" },
    ];
    for (const e of states) {
      const out = await executor(["cleanup"], e);
      expect(out.code).toBe(0);
    }
    expect(existsSync(dir)).toBe(true);
  });

  test("removes what prepare and run left, and leftovers of jobs a dead runner never cleaned", async () => {
    const { id, dir, job } = setup();
    const result = await runJob(
      executorRunner({ dir, serverUrl: server.url, token: "t", isolation: "none" }),
      job,
      AbortSignal.abort(),
    );
    expect(result.calls.map((c) => c.stage)).toEqual(["config", "prepare", "cleanup"]);
    const env = {
      SERVER_URL: server.url,
      BUILDBTW_TOKEN: "t",
      BUILDBTW_EXECUTOR_DIR: dir,
      BUILDBTW_EXECUTOR_ISOLATION: "none",
      ...customEnv(job, { CI_PROJECT_DIR: join(dir, "builds/0/archlinux-packaging-packages-libdemo/x") }),
    };
    expect((await executor(["prepare"], env)).code).toBe(0);
    const jobDir = executorJobDir(dir, id);
    expect(existsSync(jobDir)).toBe(true);
    const checkout = join(dir, "builds/0/archlinux-packaging-packages-libdemo");
    expect(existsSync(checkout)).toBe(true);
    // A job directory four days old, from a runner that died before its cleanup.
    const leaked = join(dir, "jobs", "7");
    mkdirSync(join(leaked, "output"), { recursive: true });
    const old = new Date(Date.now() - 4 * 24 * 3600 * 1000);
    utimesSync(leaked, old, old);
    const fresh = join(dir, "jobs", "8");
    mkdirSync(fresh);

    const out = await executor(["cleanup"], env);
    expect(out.code).toBe(0);
    expect(existsSync(jobDir)).toBe(false);
    expect(existsSync(checkout)).toBe(false);
    expect(existsSync(leaked)).toBe(false);
    // A running job's directory is not a leftover.
    expect(existsSync(fresh)).toBe(true);
    expect(out.stdout).toContain(`removed ${jobDir}`);
  });
});
