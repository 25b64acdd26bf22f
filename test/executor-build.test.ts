// build_script through the runner harness: real makepkg (isolation none), a command template wrapped around
// the build, vmexec's command line (a stand-in vmexec records it), uploads to a stand-in server, and how
// failures of the package, the job and the server reach the runner as exit codes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DemoPackage, srcinfoOf, writeDemoPackage } from "../scripts/demo-packages";
import { VM_BUILD_SCRIPT } from "../src/executor/vmexec";
import { buildPackage, inspectPackage } from "../src/pacman";
import {
  executorCase,
  executorJobDir,
  executorRunner,
  runJob,
  type StandInServer,
  startStandInServer,
} from "./runner-harness";
import { makeTempDir, removeDir } from "./support/git";
import { waitFor } from "./support/processes";

const BUILD_USER = process.env.BUILDBTW_BUILD_USER ?? "buildbtw-build";
const STAND_INS = join(import.meta.dir, "runner-harness", "stand-ins");

let tmp: string;
let repos: string;
let server: StandInServer;
let nextId = 500;

beforeAll(() => {
  tmp = makeTempDir("buildbtw-executor-build-");
  // The build user must reach the builds below it.
  chmodSync(tmp, 0o755);
  repos = join(tmp, "repos");
  mkdirSync(repos);
  server = startStandInServer();
});
afterAll(async () => {
  await server.stop();
  removeDir(tmp);
});

function packageCase(p: DemoPackage, options: { sha?: string; commit?: string } = {}) {
  const commit = options.commit ?? writeDemoPackage(repos, p);
  return executorCase({
    server,
    repoDir: join(repos, p.pkgbase),
    pkgbase: p.pkgbase,
    srcinfo: srcinfoOf(p),
    commit,
    sha: options.sha,
    id: nextId++,
    root: tmp,
  });
}

const runner = (dir: string, isolation: string, env: Record<string, string> = {}) =>
  executorRunner({
    dir,
    serverUrl: server.url,
    token: "runner-token",
    isolation,
    env: { BUILDBTW_BUILD_USER: BUILD_USER, ...env },
    prepareRetryDelayMs: 100,
  });

const uploads = (buildId: number) =>
  server.events.filter((e) => e.kind === "file" && e.buildId === buildId) as Extract<
    (typeof server.events)[number],
    { kind: "file" }
  >[];
/** Whether a process is alive (a zombie is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const results = (buildId: number) => server.events.filter((e) => e.kind === "result" && e.buildId === buildId);

describe("isolation none: makepkg on the runner host", () => {
  test("builds the node, uploads its packages, reports it built, and cleans up", async () => {
    const p: DemoPackage = {
      pkgbase: "exec-split",
      pkgver: "1.5",
      arch: "x86_64",
      packages: [{ pkgname: "exec-split" }, { pkgname: "exec-split-docs", arch: "any", depends: [] }],
    };
    const c = packageCase(p);
    const result = await runJob(runner(c.dir, "none"), c.job);
    expect(result.log).toContain("Job succeeded");
    expect(result.status).toBe("success");
    expect(result.calls.map((call) => call.runStage ?? call.stage)).toEqual([
      "config",
      "prepare",
      "prepare_script",
      "get_sources",
      "build_script",
      "cleanup_file_variables",
      "cleanup",
    ]);
    const files = uploads(c.id);
    expect(files.map((f) => f.name).sort()).toEqual(
      ["exec-split-1.5-1-x86_64.pkg.tar.zst", "exec-split-docs-1.5-1-any.pkg.tar.zst"].sort(),
    );
    for (const f of files) {
      expect(f.answer).toBe(201);
      const info = inspectPackage(f.bytes);
      expect(info.pkginfo.pkgbase).toBe("exec-split");
      // makepkg's own payload: the package function's file.
      expect(info.files).toContain(`usr/share/buildbtw-demo/${info.pkginfo.pkgname}`);
    }
    expect(results(c.id)).toEqual([{ kind: "result", buildId: c.id, status: "built", answer: 200 }]);
    // makepkg's output reached the job log and the server's live log.
    expect(result.log).toContain("building exec-split 1.5");
    expect(server.log(c.id)).toContain("building exec-split 1.5");
    expect(server.log(c.id)).toContain("uploaded exec-split-1.5-1-x86_64.pkg.tar.zst");
    expect(existsSync(executorJobDir(c.dir, c.id))).toBe(false);
    expect(readdirSync(join(c.dir, "builds", "0"))).toEqual([]);
    // One greppable summary line: in the job log and in the executor directory's build-summary.log.
    const summary = new RegExp(
      `buildbtw build summary: built \\S+ exec-split x86_64 build ${c.id} in [\\d.]+s, 2 file\\(s\\) \\d+ bytes uploaded`,
    );
    expect(result.log).toMatch(summary);
    expect(readFileSync(join(c.dir, "build-summary.log"), "utf8")).toMatch(summary);
  });

  test("a failing PKGBUILD fails the job as a script failure, not retried, and the server learns why", async () => {
    const c = packageCase({ pkgbase: "exec-broken", pkgver: "1", arch: "x86_64", build: ["echo compiling", "false"] });
    const result = await runJob(runner(c.dir, "none"), c.job);
    expect(result.status).toBe("failed");
    expect(result.failureReason).toBe("script_failure");
    expect(result.exitCode).toBe(1);
    expect(result.attempts).toBe(1);
    expect(uploads(c.id)).toEqual([]);
    expect(result.log).toMatch(
      new RegExp(
        `buildbtw build summary: failed \\S+ exec-broken x86_64 build ${c.id} in [\\d.]+s, 0 file\\(s\\) 0 bytes uploaded: `,
      ),
    );
    const [reported] = results(c.id) as { status: string; reason?: string }[];
    expect(reported?.status).toBe("failed");
    expect(reported?.reason).toMatch(/makepkg exited with status \d+/);
    expect(result.log).toMatch(/build failed: makepkg exited with status/);
    expect(server.log(c.id)).toContain("compiling");
    expect(result.calls.at(-1)?.stage).toBe("cleanup");
  });

  test("builds the node's commit even when the pipeline's branch has moved on", async () => {
    const p: DemoPackage = { pkgbase: "exec-moved", pkgver: "1.0", arch: "x86_64" };
    const old = writeDemoPackage(repos, p);
    const tip = writeDemoPackage(repos, { ...p, pkgver: "2.0" });
    const c = packageCase(p, { commit: old, sha: tip });
    const result = await runJob(runner(c.dir, "none"), c.job);
    expect(result.status).toBe("success");
    const [file] = uploads(c.id);
    expect(file?.name).toBe("exec-moved-1.0-1-x86_64.pkg.tar.zst");
    expect(inspectPackage(file!.bytes).pkginfo.version).toBe("1.0-1");
  });

  test("an upload the server refuses fails the build with the server's sentence", async () => {
    const c = packageCase({ pkgbase: "exec-refused", pkgver: "1", arch: "x86_64" });
    server.refuseUploads(c.id, "its .PKGINFO says pkgbase other, not exec-refused");
    const result = await runJob(runner(c.dir, "none"), c.job);
    expect(result.status).toBe("failed");
    expect(result.failureReason).toBe("script_failure");
    expect(result.log).toContain(
      "the server refused exec-refused-1-1-x86_64.pkg.tar.zst: its .PKGINFO says pkgbase other",
    );
    expect((results(c.id)[0] as { status: string }).status).toBe("failed");
  });
});

describe("cancel", () => {
  test("cancelling the job mid-build stops makepkg and everything it started; cleanup still runs", async () => {
    // The build runs as the build user: it needs a directory it may write.
    const shared = join(tmp, "shared");
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    const pidFile = join(shared, "sleeper.pid");
    const c = packageCase({
      pkgbase: "exec-sleeper",
      pkgver: "1",
      arch: "x86_64",
      build: [`sleep 600 & echo $! > ${pidFile}; wait`],
    });
    const cancel = new AbortController();
    const running = runJob(runner(c.dir, "none"), c.job, cancel.signal);
    const pid = Number(
      await waitFor("the build to start sleeping", () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim()),
    );
    expect(alive(pid)).toBe(true);
    cancel.abort();
    const result = await running;
    expect(result.status).toBe("canceled");
    expect(alive(pid)).toBe(false);
    expect(result.calls.at(-1)?.stage).toBe("cleanup");
    expect(existsSync(executorJobDir(c.dir, c.id))).toBe(false);
    expect(uploads(c.id)).toEqual([]);
  });
});

describe("the server", () => {
  test("unreachable: a system failure, preparation tried three times with a cleanup after each", async () => {
    const c = packageCase({ pkgbase: "exec-down", pkgver: "1", arch: "x86_64" });
    server.setDown(true);
    try {
      const result = await runJob(runner(c.dir, "none"), c.job);
      expect(result.status).toBe("failed");
      expect(result.failureReason).toBe("runner_system_failure");
      expect(result.attempts).toBe(3);
      expect(result.calls.map((call) => call.stage)).toEqual([
        "config",
        "prepare",
        "cleanup",
        "config",
        "prepare",
        "cleanup",
        "config",
        "prepare",
        "cleanup",
      ]);
      expect(result.log).toMatch(/asking for the build failed: the buildbtw server at .* answered GET .* with 503/);
    } finally {
      server.setDown(false);
    }
  });

  test("a build whose pipeline is no longer current: a build failure at prepare, never retried", async () => {
    const c = packageCase({ pkgbase: "exec-stale", pkgver: "1", arch: "x86_64" });
    server.markStale(c.id);
    const result = await runJob(runner(c.dir, "none"), c.job);
    expect(result.status).toBe("failed");
    expect(result.failureReason).toBe("script_failure");
    expect(result.attempts).toBe(1);
    expect(result.log).toMatch(
      /the server refused this build \(asking for the build\): build \d+'s pipeline is no longer current/,
    );
    expect(result.calls.filter((call) => call.stage === "run")).toEqual([]);
  });

  test("a token that is not the build's is refused", async () => {
    const c = packageCase({ pkgbase: "exec-token", pkgver: "1", arch: "x86_64" });
    for (const v of c.job.variables) if (v.key === "BUILDBTW_BUILD_TOKEN") v.value = "someone-elses-token";
    const result = await runJob(runner(c.dir, "none"), c.job);
    expect(result.failureReason).toBe("script_failure");
    expect(result.log).toMatch(/this token is not build \d+'s/);
  });
});

describe("isolation by command template", () => {
  test("the template wraps the build: placeholders filled per word, {command} runs `executor build`", async () => {
    const record = join(tmp, "template-record");
    mkdirSync(record);
    const wrapper = join(tmp, "record-and-run");
    writeFileSync(
      wrapper,
      [
        "#!/bin/bash",
        `printf '%s\\n' "$@" > ${record}/args`,
        `env > ${record}/env`,
        // The first two words are the placeholders under test; the rest is the wrapped build command.
        "shift 2",
        'exec "$@"',
        "",
      ].join("\n"),
    );
    chmodSync(wrapper, 0o755);
    const c = packageCase({ pkgbase: "exec-wrapped", pkgver: "3", arch: "x86_64" });
    const result = await runJob(runner(c.dir, `${wrapper} "{repository_name} for {arch}" {source} {command}`), c.job);
    expect(result.log).toContain("Job succeeded");
    const args = readFileSync(join(record, "args"), "utf8").trim().split("\n");
    expect(args[0]).toBe("buildbtw-exec-wrapped for x86_64");
    expect(args[1]).toBe(join(executorJobDir(c.dir, c.id), "source"));
    expect(args.slice(-3, -1)).toEqual(["executor", "build"]);
    expect(args.at(-1)).toBe(join(executorJobDir(c.dir, c.id), "build.json"));
    const env = readFileSync(join(record, "env"), "utf8");
    expect(env).not.toContain("runner-token");
    expect(uploads(c.id).map((f) => f.name)).toEqual(["exec-wrapped-3-1-x86_64.pkg.tar.zst"]);
    expect(results(c.id)).toEqual([{ kind: "result", buildId: c.id, status: "built", answer: 200 }]);
  });

  test("a template whose command fails fails the build with its exit status", async () => {
    const c = packageCase({ pkgbase: "exec-wrap-fail", pkgver: "1", arch: "x86_64" });
    const result = await runJob(runner(c.dir, "/bin/sh -c 'exit 7' {source}"), c.job);
    expect(result.status).toBe("failed");
    expect(result.failureReason).toBe("script_failure");
    expect(result.exitCode).toBe(7);
    expect(result.log).toContain("the isolation command exited with status 7");
  });

  test("a template whose program is not installed is a system failure at prepare", async () => {
    const c = packageCase({ pkgbase: "exec-wrap-missing", pkgver: "1", arch: "x86_64" });
    const result = await runJob(runner(c.dir, "no-such-sandbox {command}"), c.job);
    expect(result.failureReason).toBe("runner_system_failure");
    expect(result.attempts).toBe(3);
    expect(result.log).toContain("the isolation command no-such-sandbox is not installed on this runner host");
  });
});

describe("isolation vmexec (a stand-in vmexec records what it is asked)", () => {
  function standInVmexec(name: string, p: DemoPackage, prepareStatus = 0) {
    const record = join(tmp, `${name}-record`);
    const packages = join(tmp, `${name}-packages`);
    for (const d of [record, packages]) mkdirSync(d, { recursive: true });
    // What pkgctl in the VM would have produced.
    writeFileSync(
      join(packages, `${p.pkgbase}-${p.pkgver}-1-x86_64.pkg.tar.zst`),
      buildPackage({ pkgname: p.pkgbase, pkgbase: p.pkgbase, version: `${p.pkgver}-1`, arch: "x86_64" }),
    );
    const env = {
      PATH: `${STAND_INS}:${process.env.PATH}`,
      VMEXEC_RECORD: record,
      VMEXEC_PACKAGES: packages,
      VMEXEC_PREPARE_STATUS: String(prepareStatus),
    };
    return { record, env };
  }

  test("prepare readies the image; the build runs in a throwaway VM with the sources read-only", async () => {
    const p: DemoPackage = { pkgbase: "exec-vm", pkgver: "2.2", arch: "x86_64" };
    const vm = standInVmexec("vm-ok", p);
    const c = packageCase(p);
    const result = await runJob(runner(c.dir, "vmexec", vm.env), c.job);
    expect(result.log).toContain("Job succeeded");
    const calls = readdirSync(vm.record)
      .filter((n) => n.startsWith("call-"))
      .sort()
      .map((n) => readFileSync(join(vm.record, n), "utf8").trim().split("\n"));
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual([
      "run",
      "archlinux",
      "--pull",
      "newer",
      "--pmem",
      "/var/lib/archbuild:30",
      "--ssh-timeout",
      "120",
      "--",
      "echo",
      "buildbtw: VM image ready",
    ]);
    const jobDir = executorJobDir(c.dir, c.id);
    const port = new URL(server.url).port;
    expect(calls[1]).toEqual([
      "run",
      "archlinux",
      "--rm",
      "--pmem",
      "/var/lib/archbuild:30",
      "--ssh-timeout",
      "120",
      "--volume",
      `${jobDir}/bin:/mnt/bin:ro`,
      "--volume",
      `${jobDir}/source:/mnt/src_repo:ro`,
      "--volume",
      `${jobDir}/output:/mnt/output`,
      "--",
      "/mnt/bin/build-in-vm.sh",
      "x86_64",
      "buildbtw-exec-vm",
      // The VM reaches the runner host's loopback at 10.0.2.2 (user-mode networking).
      `http://10.0.2.2:${port}/repo/exec-vm/1/os/x86_64/`,
    ]);
    // The sources the VM got are the node's commit; the script it ran is ours.
    expect(readFileSync(join(vm.record, "source-head"), "utf8").trim()).toBe(c.build.commit);
    expect(readFileSync(join(vm.record, "build-in-vm.sh"), "utf8")).toBe(VM_BUILD_SCRIPT);
    expect(uploads(c.id).map((f) => [f.name, f.answer])).toEqual([["exec-vm-2.2-1-x86_64.pkg.tar.zst", 201]]);
  });

  test("the VM's build script is valid bash", () => {
    const check = Bun.spawnSync(["bash", "-n", "/dev/stdin"], {
      stdin: new TextEncoder().encode(VM_BUILD_SCRIPT),
      stderr: "pipe",
    });
    expect(check.stderr.toString()).toBe("");
    expect(check.exitCode).toBe(0);
  });

  test("an image that cannot be readied is a system failure, retried", async () => {
    const p: DemoPackage = { pkgbase: "exec-vm-down", pkgver: "1", arch: "x86_64" };
    const vm = standInVmexec("vm-down", p, 3);
    const c = packageCase(p);
    const result = await runJob(runner(c.dir, "vmexec", vm.env), c.job);
    expect(result.failureReason).toBe("runner_system_failure");
    expect(result.attempts).toBe(3);
    expect(result.log).toContain("vmexec could not ready the VM image (exit status 3)");
  });

  test("without vmexec installed, prepare says so", async () => {
    const c = packageCase({ pkgbase: "exec-no-vm", pkgver: "1", arch: "x86_64" });
    const result = await runJob(runner(c.dir, "vmexec", { PATH: "/usr/bin:/bin" }), c.job);
    expect(result.failureReason).toBe("runner_system_failure");
    expect(result.log).toContain("cannot run vmexec: it is not installed or not on PATH");
  });
});
