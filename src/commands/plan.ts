import { accessSync, constants, statSync } from "node:fs";
import { defineCommand } from "citty";
import { loadPlanConfig } from "../config/plan";
import { Invalid, NotFound } from "../core/errors";
import { createPlanner } from "../core/graph";
import { parseArch, parseOriginChangeset } from "../core/names";
import type { IncludeKind } from "../core/types";
import { loadUniverse, openSrcinfoCache, readSourceAt } from "../sources";
import { execute, jsonFlag, printJson, printLines } from "./support";

const ORDER_SHOWN = 50;

function parseInclude(raw: string | undefined): IncludeKind[] {
  if (!raw) return [];
  const kinds = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (k !== "makedepends" && k !== "checkdepends") {
      throw new Invalid(`--include takes makedepends and/or checkdepends, not ${JSON.stringify(k)}`);
    }
  }
  return [...new Set(kinds)] as IncludeKind[];
}

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
      "Show what a rebuild of ORIGIN… (pkgbase/ref, e.g. zlib/main) involves: every dependent, per architecture, in build order. Needs no server",
  },
  args: {
    origins: { type: "positional", description: "Origin changesets: pkgbase/ref …", required: true },
    repos: {
      type: "string",
      description:
        "Directory of source repositories, one git repo per pkgbase (REPOS_DIR, default ./data/source_repos)",
    },
    arch: { type: "string", description: "Only this architecture (default: the origins' architectures)" },
    include: {
      type: "string",
      description: "Also follow these dependency kinds for membership: makedepends,checkdepends",
    },
    "data-dir": { type: "string", description: "Where the .SRCINFO cache lives (DATA_DIR, default ./data)" },
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const started = performance.now();
      const origins = args._.map(parseOriginChangeset);
      const include = parseInclude(args.include);
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
        const output = {
          origins: originEntries.map((e) => ({ pkgbase: e.pkgbase, ref: e.ref, commit: e.commit })),
          architectures: result.architectures,
          stats: {
            pkgbases: universe.entries.size,
            unresolved: result.unresolved,
            skipped_srcinfo: universe.skipped.length,
            ms: Math.round(performance.now() - started),
          },
        };
        if (args.json) {
          printJson(output);
          return 0;
        }
        const lines: string[] = [];
        for (const [a, g] of Object.entries(result.architectures)) {
          lines.push(`${a}: ${g.nodes.length} package${g.nodes.length === 1 ? "" : "s"} to build`);
          const shown = g.order.slice(0, ORDER_SHOWN);
          for (const [i, p] of shown.entries()) lines.push(`  ${String(i + 1).padStart(4)}. ${p}`);
          if (g.order.length > ORDER_SHOWN) lines.push(`        … and ${g.order.length - ORDER_SHOWN} more`);
          if (g.cycles.length > 0) {
            lines.push(`  cycles (${g.cycles.length}), broken by dropping ${g.removed_edges.length} edge(s):`);
            for (const c of g.cycles) lines.push(`    ${c.join(" ↔ ")}`);
            for (const e of g.removed_edges) lines.push(`    dropped ${e.from} → ${e.to} (${e.kind})`);
          }
          lines.push("");
        }
        lines.push(
          `${universe.entries.size} pkgbases read, ${universe.skipped.length} skipped (bad or missing .SRCINFO), ${result.unresolved} dependency names unresolved, ${output.stats.ms} ms`,
        );
        printLines(lines);
        return 0;
      } finally {
        bar.done();
        cache.close();
      }
    }),
});
