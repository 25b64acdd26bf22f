// `buildbtw new ORIGIN…`: open a build namespace on the server, optionally following it to the end.
import { defineCommand } from "citty";
import type { ApiClient } from "../client/api-client";
import { clientFlags } from "../config/client";
import { BUMP_MODES, type BumpMode } from "../core/bump";
import { Invalid, NotFound } from "../core/errors";
import { includeArg, namespaceArg, originArgs } from "./client-args";
import { asAdmin, connect, type ListedNamespace, listedNamespace, namespaceUrl, pacmanConf } from "./client-connect";
import { countsText, paintFor, progressOf } from "./client-style";
import { execute, jsonFlag, printJson, printLines } from "./support";

const POLL_MS = 500;

function bumpArg(value: string | undefined): BumpMode | undefined {
  if (value === undefined) return undefined;
  if ((BUMP_MODES as readonly string[]).includes(value)) return value as BumpMode;
  throw new Invalid(`--bump must be one of ${BUMP_MODES.join(", ")}, not ${JSON.stringify(value)}`);
}
/** Without a terminal, a progress line at most this often (CI logs stay short). */
const PLAIN_PROGRESS_MS = 10_000;

/** Where a followed namespace stands: still going, or finished one way or the other. Decisions are data. */
type WaitState = "waiting" | "built" | "failed" | "cancelled" | "problem";

function waitState(ns: ListedNamespace): WaitState {
  if (ns.status === "cancelled") return "cancelled";
  if (!ns.latest_iteration) return ns.problem ? "problem" : "waiting";
  const p = progressOf(ns.counts);
  if (p.running + p.pending > 0) return "waiting";
  // Nothing runs or waits for a worker: what is still blocked waits on a failure and never starts.
  return p.failed + p.blocked > 0 ? "failed" : "built";
}

async function listed(client: ApiClient, name: string): Promise<ListedNamespace> {
  const ns = await listedNamespace(client, name);
  if (!ns) throw new NotFound(`no namespace named ${name}`);
  return ns;
}

/** Polls the namespace list (light: counts, no nodes) until the latest iteration has finished. */
async function follow(client: ApiClient, name: string): Promise<ListedNamespace> {
  const tty = Boolean(process.stderr.isTTY);
  const paint = paintFor(process.stderr);
  let lastLine = "";
  let lastPrinted = 0;
  try {
    for (;;) {
      const ns = await listed(client, name);
      const state = waitState(ns);
      if (state !== "waiting") return ns;
      const line = ns.latest_iteration
        ? `${name}, iteration ${ns.latest_iteration.id}: ${countsText(ns.counts, paint)}`
        : `${name}: computing the build graph…`;
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (line !== lastLine && Date.now() - lastPrinted >= PLAIN_PROGRESS_MS) {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
      lastLine = line;
      await Bun.sleep(POLL_MS);
    }
  } finally {
    if (tty) process.stderr.write("\r\x1b[2K");
  }
}

export default defineCommand({
  meta: {
    name: "new",
    description:
      "Open a build namespace for ORIGIN… (pkgbase/ref, e.g. openimageio/main): the server builds the origins and every " +
      "dependent in order, into the pacman repository buildbtw-NAME. Prints the namespace's page and the pacman.conf section. " +
      "With --wait, follows it until every build has finished: exit 0 when all built, 1 when any failed or the namespace was cancelled",
  },
  args: {
    origins: { type: "positional", description: "Origin changesets: pkgbase/ref …", required: true },
    name: { type: "string", description: "Namespace name (default: the first origin's pkgbase)" },
    include: {
      type: "string",
      description:
        "Also follow these dependency kinds for membership: makedepends,checkdepends (default: depends only)",
    },
    bump: {
      type: "string",
      description:
        "How rebuilds (dependents, not origins) are built: rebuild (default: pkgrel + 1, as pkgctl build --rebuild, so they can be released) or none (as committed, for namespaces that only test)",
    },
    wait: {
      type: "boolean",
      description: "Follow the builds until all have finished (progress on stderr)",
      default: false,
    },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const body = {
        origin_changesets: originArgs(args._),
        name: args.name === undefined ? undefined : namespaceArg(args.name),
        include: includeArg(args.include),
        bump: bumpArg(args.bump),
      };
      const client = connect(args, "change");
      const ns = await asAdmin(client.namespaces.create(body));
      const url = namespaceUrl(client.serverUrl, ns.name);
      if (!args.json) {
        printLines([
          `Created namespace ${ns.name} for ${ns.origin_changesets.join(", ")}`,
          `  ${url}`,
          "",
          "Its packages land in a pacman repository of their own; to install them, add to /etc/pacman.conf:",
          "",
          pacmanConf(client.serverUrl, ns.name),
          "",
        ]);
        if (!args.wait) printLines([`Follow it with \`buildbtw show ${ns.name}\` or \`buildbtw new … --wait\`.`]);
      }
      if (!args.wait) {
        if (args.json) printJson(ns);
        return 0;
      }

      const end = await follow(client, ns.name);
      const state = waitState(end);
      if (args.json) printJson(await client.namespaces.get(ns.name));
      else if (state === "cancelled") printLines([`${ns.name} was cancelled before its builds finished.`]);
      else if (state === "problem") printLines([`${ns.name} has no build graph: ${end.problem}`]);
      else
        printLines([
          `${ns.name}, iteration ${end.latest_iteration?.id}: ${countsText(end.counts, paintFor(process.stdout))}`,
          ...(state === "failed" ? [`See what failed: buildbtw show ${ns.name}`] : []),
        ]);
      return state === "built" ? 0 : 1;
    }),
});
