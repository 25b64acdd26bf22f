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
      "Drivers: makepkg (any Linux with makepkg: clones the build's exact commit and runs makepkg as the build user, since makepkg refuses root; " +
      "on hosts whose packages pacman does not manage, e.g. Debian, it builds with --nodeps; on Arch it installs dependencies with --syncdeps " +
      "from the namespace repository, which needs passwordless sudo for the build user — prefer pkgctl there), " +
      "pkgctl (Arch, as root: pkgctl build as the build user in a clean chroot per namespace with the namespace repository added; " +
      "the build user needs passwordless sudo, as devtools requires), fake (instant packages with the right names, for demos and load tests). " +
      "A build that runs past --build-timeout, or whose lease is cancelled or lost, is stopped: its whole process tree is killed. " +
      "Each build gets its own directory under --work-dir, removed after upload; a failed build's is kept for --keep-failed-hours and then " +
      "swept (at start and periodically; the worker logs what it removed). " +
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
      description: "How to build: makepkg, pkgctl or fake (see above) (env BUILDBTW_WORKER_DRIVER; default fake)",
    },
    "fake-delay-ms": {
      type: "string",
      description:
        "How long each fake build takes, for pkgbases not in --fake-durations (env BUILDBTW_FAKE_DELAY_MS; default 0)",
    },
    "fake-durations": {
      type: "string",
      description:
        'Fake driver: a JSON file mapping pkgbase to the seconds its builds take, e.g. {"llvm": 5400} (env BUILDBTW_FAKE_DURATIONS)',
    },
    "fake-time-scale": {
      type: "string",
      description:
        "Fake driver: multiplies the --fake-durations seconds, e.g. 0.01 to run an hour in 36 s (env BUILDBTW_FAKE_TIME_SCALE; default 1)",
    },
    "work-dir": {
      type: "string",
      description:
        "Where builds run, one directory per build, removed after upload; the build user must be able to reach it (env BUILDBTW_WORKER_DIR; default ./data/worker)",
    },
    "build-user": {
      type: "string",
      description:
        "The unprivileged user makepkg and pkgctl build as when the worker runs as root; create it with " +
        "`useradd --system --create-home --home-dir /var/lib/buildbtw-build --shell /usr/sbin/nologin buildbtw-build` " +
        "(scripts/setup.sh does) (env BUILDBTW_BUILD_USER; default buildbtw-build)",
    },
    "build-timeout": {
      type: "string",
      description:
        "Longest a build may run, e.g. 90m, 4h, 1h30m or seconds; then its processes are killed and it fails with " +
        '"build timed out after …" (env BUILDBTW_BUILD_TIMEOUT; default 4h)',
    },
    "keep-failed-hours": {
      type: "string",
      description:
        "How long a failed build's directory stays for inspection (0: remove at once); older ones, leftovers and idle per-namespace chroots are swept (env BUILDBTW_KEEP_FAILED_HOURS; default 24)",
    },
    "modify-gpg-keyring": {
      type: "boolean",
      description:
        "pkgctl driver: import the package's upstream keys (keys/pgp/*.asc) into the build user's keyring before building (env BUILDBTW_MODIFY_GPG_KEYRING; default off). The makepkg driver always imports them into a keyring of the build's own.",
    },
  },
  run: ({ args, rawArgs }) =>
    execute(async () => {
      const arch = repeatedFlag(rawArgs, "arch");
      const config = loadWorkerConfig({ ...args, arch: arch.length > 0 ? arch : undefined });
      const driver = selectDriver(config, { buildPackage: pacmanBuilder });
      const log = createLogger("worker", config.log);
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
        const settings = { ...config, keepFailedMs: config.keepFailedHours * 3_600_000 };
        await runWorker(settings, { client, driver, log }, stop.signal, abandon.signal);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      return 0;
    }),
});
