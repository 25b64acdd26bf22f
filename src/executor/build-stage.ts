// The build_script stage: build the pipeline's node inside the isolation, upload its packages to the server with the
// job's per-build token, report the result (src/gitlab/README.md, GitLab mode). The runner's get_sources has already
// fetched the package's repository into CI_PROJECT_DIR; the build uses the node's commit from it.
//
// Failure classes (src/gitlab/README.md, Runner: the custom executor): what the package or the job got wrong is a
// BuildFailure (the job fails, the server is told why); what the host or the server got wrong is a SystemFailure.
import { appendFile, chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoName, repoPath } from "../api/routes";
import type { Lease, PipelineBuild } from "../api/schemas";
import { createLogStream } from "../client/log-stream";
import type { Env } from "../config/env";
import type { ExecutorConfig } from "../config/executor";
import { assertNever, Invalid } from "../core/errors";
import { bumpCheckout, StepFailed } from "../drivers/build-host";
import type { Driver } from "../drivers/driver";
import { pathInside } from "../lib/paths";
import { buildHere, type HereBuild } from "./build-here";
import { BuildFailure, messageOf, SystemFailure } from "./failures";
import { type BuildJob, buildJob, jobDir, jobSlot, projectDir } from "./job";
import { runProcess } from "./process";
import { type ClientFactory, defaultClient, ServerUnavailable, serverCalls } from "./server";
import { fillTemplate } from "./template";
import { urlSeenFromVm, VM_BUILD_SCRIPT, VM_SCRIPT_NAME, vmexecBuildCommand } from "./vmexec";

export interface BuildStageDeps {
  /** The build driver for isolation `none` (makepkg), made on demand: other isolations never need it. */
  driver: (buildUser: string) => Driver;
  /** How to start this binary again (`{command}` of a template runs `buildbtw executor build`). */
  self: string[];
  /** A line for the job log (our stdout). */
  say: (line: string) => void;
  /** Aborted when the runner stops the job (SIGTERM). */
  signal: AbortSignal;
  /** Injected by tests; defaults to the real client. */
  client?: ClientFactory;
}

// BuildResult.reason allows at most 2000 characters.
const MAX_REASON = 2000;

export async function buildStage(settings: ExecutorConfig, env: Env, deps: BuildStageDeps): Promise<void> {
  const slot = jobSlot(env);
  const job = buildJob(env);
  const checkout = projectDir(env, settings, slot);
  const dir = jobDir(settings, slot.jobId);
  const client = (deps.client ?? defaultClient)(settings.serverUrl, job.token);
  const call = serverCalls(settings, deps);

  const spec = await call("asking for the build", (signal) => client.pipelineBuilds.get(job.buildId, { signal }));
  agree(job, spec);

  const logs = createLogStream({
    send: (text) =>
      call("sending the build log", (signal) => client.pipelineBuilds.appendLog(job.buildId, text, { signal })),
    onError: (error) =>
      process.stderr.write(`buildbtw: a build log chunk did not reach the server: ${messageOf(error)}\n`),
  });
  const say = (line: string) => {
    deps.say(line);
    logs.write(`${line}\n`);
  };
  // One line per build, whatever happened, for operators to grep: at the end of the job log (stderr) and
  // appended to BUILDBTW_EXECUTOR_DIR/build-summary.log on the runner host.
  const started = performance.now();
  const tally = { files: 0, bytes: 0 };
  let outcome = "error";
  let why = "";

  try {
    say(`==> buildbtw: building ${job.namespace}/${job.iteration} ${job.pkgbase} (${job.arch}) at ${job.commit}`);
    await requireCommit(checkout, job.commit);
    const output = join(dir, "output");
    await rm(output, { recursive: true, force: true });
    await mkdir(output, { recursive: true });

    await isolatedBuild(settings, { job, spec, checkout, dir, output }, deps, (chunk) => logs.write(chunk), say);
    const files = await builtFiles(spec.expected_files, spec.optional_files, output, say);
    await logs.flush();
    for (const [name, path] of files) {
      await call(`uploading ${name}`, (signal) =>
        client.pipelineBuilds.uploadFile(job.buildId, name, Bun.file(path), { signal }),
      ).catch((error) => {
        throw error instanceof Invalid ? new BuildFailure(`the server refused ${name}: ${error.message}`) : error;
      });
      tally.files++;
      tally.bytes += Bun.file(path).size;
      say(`==> buildbtw: uploaded ${name}`);
    }
    await call("reporting the result", (signal) =>
      client.pipelineBuilds.report(job.buildId, { status: "built" }, { signal }),
    );
    say(`==> buildbtw: built ${job.pkgbase}; ${files.size} package(s) uploaded`);
    outcome = "built";
  } catch (error) {
    why = messageOf(error);
    // Nobody to tell when the server is the problem or the runner stopped the job.
    if (error instanceof ServerUnavailable || deps.signal.aborted) throw error;
    const reason = error instanceof BuildFailure || error instanceof SystemFailure ? error.message : messageOf(error);
    outcome = error instanceof BuildFailure ? "failed" : "error";
    why = reason;
    say(`==> buildbtw: build failed: ${reason}`);
    await logs.flush();
    // The server also learns from the pipeline's status; this only tells it why, so a failure to say it is logged.
    await call("reporting the failure", (signal) =>
      client.pipelineBuilds.report(job.buildId, { status: "failed", reason: reason.slice(0, MAX_REASON) }, { signal }),
    ).catch((e) => process.stderr.write(`buildbtw: could not report the failure: ${messageOf(e)}\n`));
    throw error;
  } finally {
    await logs.flush();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const line = `buildbtw build summary: ${outcome} ${job.namespace}/${job.iteration} ${job.pkgbase} ${job.arch} build ${job.buildId} in ${seconds}s, ${tally.files} file(s) ${tally.bytes} bytes uploaded${why ? `: ${why.split("\n")[0]}` : ""}`;
    process.stderr.write(`${line}\n`);
    await appendFile(join(settings.dir, "build-summary.log"), `${new Date().toISOString()} ${line}\n`).catch(() => {});
  }
}

/** The pipeline's variables and the server's answer must name the same node. */
function agree(job: BuildJob, spec: PipelineBuild): void {
  const pairs: [string, unknown, unknown][] = [
    ["namespace", job.namespace, spec.namespace],
    ["iteration", job.iteration, spec.iteration],
    ["architecture", job.arch, spec.arch],
    ["pkgbase", job.pkgbase, spec.pkgbase],
    ["commit", job.commit, spec.commit],
  ];
  for (const [what, mine, theirs] of pairs) {
    if (mine !== theirs)
      throw new BuildFailure(
        `the pipeline's ${what} ${JSON.stringify(mine)} is not build ${job.buildId}'s ${JSON.stringify(theirs)}`,
      );
  }
}

/** The node's commit must be in the runner's checkout (the pipeline's branch may have moved on since). */
async function requireCommit(checkout: string, commit: string): Promise<void> {
  const found = Bun.spawnSync(["git", "-C", checkout, "cat-file", "-e", `${commit}^{commit}`], {
    stdout: "ignore",
    stderr: "ignore",
  });
  if (found.exitCode !== 0)
    throw new BuildFailure(
      `commit ${commit} is not in the sources the runner fetched into ${checkout} (is GIT_DEPTH too small?)`,
    );
}

interface BuildPlace {
  job: BuildJob;
  spec: PipelineBuild;
  checkout: string;
  /** The job's state directory. */
  dir: string;
  output: string;
}

async function isolatedBuild(
  settings: ExecutorConfig,
  place: BuildPlace,
  deps: BuildStageDeps,
  log: (chunk: string) => void,
  say: (line: string) => void,
): Promise<void> {
  const { job, spec, dir, output } = place;
  const repository = {
    name: repoName(job.namespace),
    url: `${settings.serverUrl}${repoPath(job.namespace, job.iteration, job.arch)}`,
  };
  const isolation = settings.isolation;
  switch (isolation.kind) {
    case "none": {
      say(`==> buildbtw: building on this host (isolation none)`);
      const driver = deps.driver(settings.buildUser);
      const here: HereBuild = {
        lease: leaseOf(spec, place.checkout, repository),
        output,
        work: join(dir, "work"),
        build_user: settings.buildUser,
      };
      await buildHere(here, driver, {
        log: (chunk) => {
          process.stdout.write(chunk);
          log(chunk);
        },
        signal: deps.signal,
      });
      return;
    }
    case "template": {
      const source = await exportCommit(place);
      const jobFile = join(dir, "build.json");
      const here: HereBuild = {
        lease: leaseOf(spec, source, repository),
        output,
        work: join(dir, "work"),
        build_user: settings.buildUser,
      };
      await writeFile(jobFile, `${JSON.stringify(here, null, 2)}\n`, { mode: 0o644 });
      const argv = fillTemplate(
        isolation.template,
        {
          source,
          output,
          arch: job.arch,
          pkgbase: job.pkgbase,
          commit: job.commit,
          repository_name: repository.name,
          repository_url: repository.url,
        },
        [...deps.self, "executor", "build", jobFile],
      );
      say(`==> buildbtw: building with the isolation command ${argv[0]}`);
      const status = await runProcess(argv, { onOutput: log, signal: deps.signal });
      if (status !== 0) throw new BuildFailure(`the isolation command exited with status ${status}`, status);
      return;
    }
    case "vmexec": {
      const source = await exportCommit(place);
      // The VM builds the exported tree as it is (the drivers apply the bump themselves in the other isolations).
      await bumpExported(spec, source, say);
      const binDir = join(dir, "bin");
      await mkdir(binDir, { recursive: true });
      await writeFile(join(binDir, VM_SCRIPT_NAME), VM_BUILD_SCRIPT, { mode: 0o755 });
      // The VM's build user writes the packages through the mount.
      await chmod(output, 0o777);
      const argv = vmexecBuildCommand(settings.vmexec, {
        binDir,
        source,
        output,
        arch: job.arch,
        repositoryName: repository.name,
        repositoryUrl: urlSeenFromVm(repository.url),
      });
      say(`==> buildbtw: building in a throwaway ${settings.vmexec.image} VM (vmexec)`);
      const status = await runProcess(argv, { onOutput: log, signal: deps.signal });
      if (status !== 0)
        throw new BuildFailure(`the build in the VM failed: vmexec exited with status ${status}`, status);
      return;
    }
    default:
      return assertNever(isolation, "isolation");
  }
}

/** A rebuild's pkgrel bump, applied to the exported tree; a non-standard pkgrel declaration fails the build. */
async function bumpExported(spec: PipelineBuild, source: string, say: (line: string) => void): Promise<void> {
  if (!spec.bump) return;
  try {
    await bumpCheckout(source, spec.bump);
  } catch (error) {
    if (error instanceof StepFailed) throw new BuildFailure(error.message);
    throw error;
  }
  say(`==> buildbtw: rebuild: pkgrel ${spec.bump.from} → ${spec.bump.to} in PKGBUILD and .SRCINFO`);
}

/** The node's commit alone, in the job directory: what an isolation mounts read-only as the sources. */
async function exportCommit(place: BuildPlace): Promise<string> {
  const source = join(place.dir, "source");
  await rm(source, { recursive: true, force: true });
  for (const args of [
    ["clone", "--quiet", "--no-checkout", place.checkout, source],
    ["-C", source, "checkout", "--quiet", "--detach", place.job.commit],
  ]) {
    const result = Bun.spawnSync(["git", "-c", "advice.detachedHead=false", ...args], {
      stdout: "ignore",
      stderr: "pipe",
    });
    if (result.exitCode !== 0)
      throw new SystemFailure(`git ${args.join(" ")} failed: ${result.stderr.toString().trim()}`);
  }
  return source;
}

/** The driver's job: the server's build with the runner's checkout as its source. */
function leaseOf(spec: PipelineBuild, source: string, repository: { name: string; url: string }): Lease {
  const { pipeline_id, pipeline_url, ...build } = spec;
  return {
    ...build,
    lease_id: `pipeline-build-${build.build_id}`,
    ttl_ms: 0,
    expires_at: new Date(0).toISOString(),
    source_url: source,
    repository,
  };
}

/** Every file the server expects must be in the output, optional ones (-debug) are taken when there; others are named and left alone. */
async function builtFiles(
  expected: string[],
  optional: string[],
  output: string,
  say: (line: string) => void,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const name of expected) {
    const path = pathInside(output, name);
    if (await Bun.file(path).exists()) found.set(name, path);
    else missing.push(name);
  }
  for (const name of optional) {
    const path = pathInside(output, name);
    if (await Bun.file(path).exists()) found.set(name, path);
  }
  for (const name of await Array.fromAsync(new Bun.Glob("*").scan({ cwd: output, onlyFiles: true }))) {
    if (!found.has(name)) say(`==> buildbtw: not uploading ${name}: the server does not expect it`);
  }
  if (missing.length > 0) throw new BuildFailure(`the build did not produce ${missing.join(", ")}`);
  return found;
}
