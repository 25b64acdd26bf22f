// `buildbtw worker`: the composition root of worker mode. Wires the real API client, the chosen driver
// (with the pacman adapter's package builder injected) and runWorker; turns signals into stop/abandon.
import { defineCommand } from "citty";
import { createApiClient } from "../client/api-client";
import { loadWorkerConfig, printableWorkerConfig } from "../config/worker";
import type { FakePackage } from "../drivers/fake";
import { createLogger } from "../lib/log";
import { buildPackage } from "../pacman";
import { runWorker } from "../worker/run-worker";
import { selectDriver } from "../worker/select-driver";
import { execute } from "./support";

/** Every value of a repeatable flag (`--arch a --arch=b`); citty keeps only the last one. */
export function repeatedFlag(rawArgs: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i] as string);
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  return values;
}

/** The fake driver's package request in the pacman adapter's terms (a synthetic, installable package). */
const pacmanBuilder = (pkg: FakePackage): Uint8Array => buildPackage(pkg);

export default defineCommand({
  meta: {
    name: "worker",
    description:
      "Build packages for a buildbtw server: ask it for work (long-poll, no inbound port), build, upload the packages, report. " +
      "On SIGINT/SIGTERM the worker takes no new work and finishes the builds in progress (uploads and reports them); " +
      "a second signal abandons them: their leases expire and the server hands them out again.",
  },
  args: {
    server: { type: "string", description: "Server URL (env SERVER_URL; default http://localhost:8080)" },
    token: {
      type: "string",
      description:
        "Worker token, from `buildbtw token create --worker NAME` on the server host (env BUILDBTW_TOKEN; required)",
    },
    arch: {
      type: "string",
      description: "Architectures to build, repeatable or comma-separated (env BUILDBTW_WORKER_ARCH; default x86_64)",
    },
    concurrency: { type: "string", description: "Builds at once (env BUILDBTW_WORKER_CONCURRENCY; default 1)" },
    driver: {
      type: "string",
      description:
        "How to build: fake (instant empty packages; makepkg and pkgctl come later) (env BUILDBTW_WORKER_DRIVER; default fake)",
    },
    "fake-delay-ms": {
      type: "string",
      description: "How long each fake build takes (env BUILDBTW_FAKE_DELAY_MS; default 0)",
    },
    "work-dir": {
      type: "string",
      description:
        "Where builds run, one directory per build, removed after upload (env BUILDBTW_WORKER_DIR; default ./data/worker)",
    },
  },
  run: ({ args, rawArgs }) =>
    execute(async () => {
      const arch = repeatedFlag(rawArgs, "arch");
      const config = loadWorkerConfig({ ...args, arch: arch.length > 0 ? arch : undefined });
      const driver = selectDriver(config, { buildPackage: pacmanBuilder });
      const log = createLogger("worker");
      log.debug("settings", printableWorkerConfig(config));

      const stop = new AbortController();
      const abandon = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (!stop.signal.aborted) {
          log.info(`${signal}: taking no new work, finishing the builds in progress (send it again to abandon them)`);
          stop.abort();
        } else {
          log.warn(`${signal}: abandoning the builds in progress`);
          abandon.abort();
        }
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const client = createApiClient({ serverUrl: config.serverUrl, token: config.token });
        await runWorker(config, { client, driver, log }, stop.signal, abandon.signal);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      return 0;
    }),
});
