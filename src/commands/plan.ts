import { accessSync, constants, statSync } from "node:fs";
import { defineCommand } from "citty";
import { planBody } from "../api/plan";
import { clientFlags } from "../config/client";
import { loadPlanConfig } from "../config/plan";
import { Invalid, NotFound } from "../core/errors";
import { createPlanner } from "../core/graph";
import { parseArch, parseOriginChangeset } from "../core/names";
import { loadUniverse, openSrcinfoCache, readSourceAt } from "../sources";
import { includeArg, originArgs } from "./client-args";
import { connect } from "./client-connect";
import { planLines } from "./render-plan";
import { execute, jsonFlag, printJson, printLines } from "./support";

function checkReposDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory())
      throw new Invalid(`${dir} is not a directory (--repos names the directory of source repositories)`);
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch (error) {
    if (error instanceof Invalid) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new NotFound(
      code === "ENOENT"
        ? `the repository directory ${dir} does not exist`
        : `cannot read the repository directory ${dir} (${code})`,
    );
  }
}

/** A one-line progress indicator on a terminal; silent otherwise. */
function progress(enabled: boolean) {
  let last = 0;
  return {
    update(text: string) {
      if (!enabled || performance.now() - last < 100) return;
      last = performance.now();
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (enabled) process.stderr.write("\r\x1b[2K");
    },
  };
}

export default defineCommand({
  meta: {
    name: "plan",
    description:
      "Show what a rebuild of ORIGIN… (pkgbase/ref, e.g. zlib/main) involves: every dependent, per architecture, in build order. " +
      "Reads a local directory of source repositories (--repos), or asks a buildbtw server to plan on its sources (--server)",
  },
  args: {
    origins: { type: "positional", description: "Origin changesets: pkgbase/ref …", required: true },
    repos: {
      type: "string",
      description:
        "Directory of source repositories, one git repo per pkgbase (REPOS_DIR, default ./data/source_repos)",
    },
    server: {
      type: "boolean",
      description: "Plan on the server's sources instead of a local directory (see --server-url)",
      default: false,
    },
    arch: { type: "string", description: "Only this architecture (default: the origins' architectures)" },
    include: {
      type: "string",
      description: "Also follow these dependency kinds for membership: makedepends,checkdepends",
    },
    "data-dir": { type: "string", description: "Where the .SRCINFO cache lives (DATA_DIR, default ./data)" },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      if (args.server) {
        if (args.repos !== undefined || args["data-dir"] !== undefined)
          throw new Invalid("--server plans on the server's source repositories; leave out --repos and --data-dir");
        const client = connect(args);
        const plan = await client.plan({
          origin_changesets: originArgs(args._),
          include: includeArg(args.include),
          arch: args.arch === undefined ? undefined : parseArch(args.arch),
        });
        if (args.json) printJson(plan);
        else printLines(planLines(plan));
        return 0;
      }
      const started = performance.now();
      const origins = args._.map(parseOriginChangeset);
      const include = includeArg(args.include);
      const arch = args.arch === undefined ? undefined : parseArch(args.arch);
      const config = loadPlanConfig(args);
      checkReposDir(config.reposDir);

      const cache = openSrcinfoCache(config.cachePath);
      const bar = progress(process.stderr.isTTY && !args.json);
      try {
        const universe = await loadUniverse(config.reposDir, {
          cache,
          onProgress: (p) => bar.update(`reading ${p.phase === "refs" ? "refs" : ".SRCINFO"}: ${p.done}/${p.total}`),
        });
        bar.done();
        const originEntries = origins.map((o) => readSourceAt(config.reposDir, o.pkgbase, o.ref, { cache }));
        const result = createPlanner(universe.entries).plan(originEntries, {
          arch,
          include,
          defaultArch: config.defaultArch,
        });
        const sources = { pkgbases: universe.entries.size, skipped: universe.skipped.length };
        const output = planBody(originEntries, result, sources, performance.now() - started);
        if (args.json) printJson(output);
        else printLines(planLines(output));
        return 0;
      } finally {
        bar.done();
        cache.close();
      }
    }),
});
