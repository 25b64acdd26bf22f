// `buildbtw executor prepare` (src/gitlab/README.md, Runner: the custom executor): ready the job's directories and the
// isolation, and make sure the server still wants this build, before the runner fetches any sources. The runner tries
// preparation up to three times on a system failure (a VM image that would not pull, a server briefly away), never on a
// build failure (a job that is not a buildbtw build, a build the server no longer wants).
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import type { Env } from "../config/env";
import type { ExecutorConfig } from "../config/executor";
import { assertNever } from "../core/errors";
import { SystemFailure } from "./failures";
import { buildJob, buildsDir, cacheDir, jobDir, jobSlot } from "./job";
import { runProcess } from "./process";
import { type ClientFactory, defaultClient, serverCalls } from "./server";
import { vmexecPrepareCommand } from "./vmexec";

export interface PrepareDeps {
  say: (line: string) => void;
  signal: AbortSignal;
  client?: ClientFactory;
}

export async function prepareStage(settings: ExecutorConfig, env: Env, deps: PrepareDeps): Promise<void> {
  const slot = jobSlot(env);
  const job = buildJob(env);

  const client = (deps.client ?? defaultClient)(settings.serverUrl, job.token);
  const call = serverCalls(settings, deps);
  const build = await call("asking for the build", (signal) => client.pipelineBuilds.get(job.buildId, { signal }));
  deps.say(
    `buildbtw: job ${slot.jobId} builds ${build.namespace}/${build.iteration} ${build.pkgbase} (${build.arch}) ` +
      `for ${settings.serverUrl}`,
  );

  // A retried preparation starts from nothing: whatever a failed attempt left is gone.
  const dir = jobDir(settings, slot.jobId);
  await rm(dir, { recursive: true, force: true });
  // Readable by the build user: the makepkg driver drops privileges below it.
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await mkdir(buildsDir(settings, slot), { recursive: true });
  await mkdir(cacheDir(settings, slot), { recursive: true });
  await readyIsolation(settings, deps);
}

async function readyIsolation(settings: ExecutorConfig, deps: PrepareDeps): Promise<void> {
  const isolation = settings.isolation;
  switch (isolation.kind) {
    case "vmexec": {
      deps.say(`buildbtw: readying the ${settings.vmexec.image} VM image (vmexec)`);
      const status = await runProcess(vmexecPrepareCommand(settings.vmexec), { signal: deps.signal });
      if (status !== 0) throw new SystemFailure(`vmexec could not ready the VM image (exit status ${status})`);
      return;
    }
    case "none":
      if (!Bun.which("makepkg"))
        throw new SystemFailure("isolation none builds with makepkg, which is not installed on this runner host");
      deps.say("buildbtw: building on this host with makepkg (isolation none)");
      return;
    case "template": {
      const program = isolation.template.words[0] as string;
      if (program.includes("/") ? !existsSync(program) : !Bun.which(program))
        throw new SystemFailure(`the isolation command ${program} is not installed on this runner host`);
      deps.say(`buildbtw: building with the isolation command ${program}`);
      return;
    }
    default:
      return assertNever(isolation, "isolation");
  }
}
