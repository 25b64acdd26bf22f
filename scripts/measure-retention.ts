// Disk use after twenty retries of one namespace, with and without the retention policy: a real `serve` and
// a fake-driver worker build a namespace of 10 packages, it is retried twenty times (each retry built to the
// end; `rebuild_all` builds every node again, else unchanged builds are reused as hard links), and the
// repositories' size on disk (each inode once) and the iteration directories left are counted.
//
//   bun scripts/measure-retention.ts [--retries 20]
import { lstatSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeRepo, makeTempDir, removeDir } from "../test/support/git";
import { startServer, startWorker, waitFor } from "../test/support/processes";
import { srcinfo } from "../test/support/recipes";

const { values } = parseArgs({ options: { retries: { type: "string", default: "20" } } });
const RETRIES = Number(values.retries);
const DEPENDENTS = 9;

interface Detail {
  iteration: { id: number; architectures: Record<string, { nodes: { status: string }[] }> } | null;
}

function usage(dir: string, seen = new Set<string>()): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) bytes += usage(path, seen);
    else {
      const s = lstatSync(path);
      const key = `${s.dev}:${s.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      bytes += s.blocks * 512;
    }
  }
  return bytes;
}

async function run(label: string, env: Record<string, string>, rebuildAll: boolean) {
  const tmp = makeTempDir("buildbtw-retention-bench-");
  const repos = join(tmp, "repos");
  const data = join(tmp, "data");
  makeRepo(repos, "base", srcinfo({ pkgbase: "base" }));
  for (let i = 0; i < DEPENDENTS; i++) makeRepo(repos, `dep${i}`, srcinfo({ pkgbase: `dep${i}`, depends: ["base"] }));
  const server = await startServer({
    dataDir: data,
    reposDir: repos,
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000", ...env },
  });
  const worker = startWorker({
    server: server.url,
    token: await server.workerToken("w"),
    workDir: join(tmp, "work"),
    args: ["--concurrency", "4"],
  });
  try {
    await server.api("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({ origin_changesets: ["base/main"] }),
    });
    let last = 0;
    const built = async () =>
      waitFor(
        "the iteration to be built",
        async () => {
          const d = (await server.api<Detail>("/api/v1/namespaces/base")).body;
          const nodes = d.iteration?.architectures.x86_64?.nodes ?? [];
          return d.iteration && d.iteration.id > last && nodes.length > 0 && nodes.every((n) => n.status === "built")
            ? d.iteration.id
            : undefined;
        },
        120_000,
      );
    last = await built();
    for (let i = 0; i < RETRIES; i++) {
      await server.api("/api/v1/namespaces/base/iterations", {
        method: "POST",
        body: JSON.stringify({ rebuild_all: rebuildAll }),
      });
      last = await built();
    }
    const keep = Number(env.BUILDBTW_RETENTION_ITERATIONS ?? "3");
    const dirs = () => readdirSync(join(data, "repos", "base")).length;
    // The sweep runs every BUILDBTW_RETENTION_INTERVAL_MS: wait for it to catch up with the last retry.
    await waitFor("the sweep", () => dirs() <= keep, 30_000);
    const out = {
      label,
      iterations_made: RETRIES + 1,
      iteration_dirs_left: dirs(),
      repos_bytes: usage(join(data, "repos")),
      database_bytes: statSync(join(data, "buildbtw.sqlite")).size + statSync(join(data, "buildbtw.sqlite-wal")).size,
    };
    console.log(JSON.stringify(out));
    return out;
  } finally {
    worker.kill("SIGKILL");
    await server.stop();
    removeDir(tmp);
  }
}

console.log(`${availableParallelism()} cores, ${RETRIES} retries of a ${DEPENDENTS + 1}-package namespace`);
const none = { BUILDBTW_RETENTION_ITERATIONS: "1000", BUILDBTW_RETENTION_INTERVAL_MS: "1000" };
const policy = { BUILDBTW_RETENTION_INTERVAL_MS: "1000" };
await run("full rebuilds, no retention (keep 1000 iterations)", none, true);
await run("full rebuilds, default policy (keep 3)", policy, true);
await run("retries reusing builds, no retention", none, false);
await run("retries reusing builds, default policy (keep 3)", policy, false);
