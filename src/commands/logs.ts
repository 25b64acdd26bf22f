// `buildbtw logs NAME PKGBASE`: a build's log, and with --follow the rest of it as it is written.
import { defineCommand } from "citty";
import type { ApiClient, BuildDetailBody, BuildListBody } from "../client/api-client";
import { clientFlags } from "../config/client";
import { Invalid, NotFound } from "../core/errors";
import { archArg, iterationArg, namespaceArg, pkgbaseArg } from "./client-args";
import { connect, listedNamespace } from "./client-connect";
import { execute, jsonFlag, printJson } from "./support";

const POLL_MS = 300;
/** While a followed build is not running, how often to ask whether it can still run at all. */
const STUCK_CHECK_MS = 3_000;

type Build = BuildListBody["builds"][number];

/** The build of PKGBASE in an iteration (latest by default); several architectures need --arch. */
async function findBuild(
  client: ApiClient,
  name: string,
  pkgbase: string,
  q: { arch?: string; iteration?: number },
): Promise<Build> {
  const { builds } = await client.namespaces.builds(name, q);
  const mine = builds.filter((b) => b.pkgbase === pkgbase);
  const which = q.iteration === undefined ? "the latest iteration" : `iteration ${q.iteration}`;
  if (mine.length === 0)
    throw new NotFound(`${pkgbase} is not in ${which} of ${name}${q.arch ? ` for ${q.arch}` : ""}`);
  if (mine.length > 1)
    throw new Invalid(
      `${pkgbase} is built for ${mine.map((b) => b.arch).join(" and ")} in ${which} of ${name}; choose one with --arch`,
    );
  return mine[0]!;
}

/**
 * `findBuild`, for a namespace whose first iteration the server is still computing (`new` answers before
 * it exists): with --follow wait for it, else say so instead of "not in the latest iteration".
 */
async function buildOnceComputed(
  client: ApiClient,
  name: string,
  pkgbase: string,
  q: { arch?: string; iteration?: number },
  follow: boolean,
): Promise<Build> {
  let told = false;
  for (;;) {
    try {
      return await findBuild(client, name, pkgbase, q);
    } catch (error) {
      if (!(error instanceof NotFound) || q.iteration !== undefined) throw error;
      const ns = await listedNamespace(client, name);
      if (!ns || ns.latest_iteration || ns.status !== "active") throw error;
      if (ns.problem) throw new NotFound(`${name} has no build graph: ${ns.problem}`);
      if (!follow)
        throw new NotFound(
          `${name} has no iteration yet: the server is still computing its build graph (try --follow)`,
        );
      if (!told) process.stderr.write(`buildbtw: waiting for the first iteration of ${name}…\n`);
      told = true;
      await Bun.sleep(POLL_MS);
    }
  }
}

/**
 * Why a build that is not running will never finish, or null while it still may: its namespace was
 * cancelled, its iteration superseded before it started, or it waits on a dependency that failed.
 */
async function wontFinish(client: ApiClient, name: string, build: BuildDetailBody): Promise<string | null> {
  const ns = await listedNamespace(client, name);
  if (!ns) return `namespace ${name} is gone`;
  if (ns.status === "cancelled")
    return `namespace ${name} is cancelled; ${build.pkgbase} is not built until \`buildbtw resume ${name}\``;
  if (ns.latest_iteration && ns.latest_iteration.id !== build.iteration)
    return `iteration ${build.iteration} was superseded by ${ns.latest_iteration.id} before ${build.pkgbase} was built; follow the new one with \`buildbtw logs ${name} ${build.pkgbase} --arch ${build.arch} --follow\``;
  if (build.status !== "blocked") return null;
  const others = await client.namespaces.builds(name, { iteration: build.iteration, arch: build.arch });
  const moving = others.builds.some((b) => ["pending", "scheduled", "building"].includes(b.status));
  return moving
    ? null
    : `${build.pkgbase} stays blocked: nothing it depends on is being built any more (see \`buildbtw show ${name}\`)`;
}

export default defineCommand({
  meta: {
    name: "logs",
    description:
      "Print the log of PKGBASE's build in a namespace (latest iteration unless --iteration). With --follow, keep printing " +
      "as the build writes it until the build ends: exit 0 when it was built, 1 when it failed (or can no longer run: " +
      "namespace cancelled, iteration superseded, a dependency failed). --json prints the API's log chunks " +
      "({build_id, offset, text, finished}); with --follow one chunk per line",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    pkgbase: { type: "positional", description: "The pkgbase whose build log to print", required: true },
    arch: { type: "string", description: "The build's architecture (needed when it builds for several)" },
    iteration: { type: "string", description: "The build of this iteration instead of the latest (its id)" },
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing new output until the build ends; the exit code says how it ended",
      default: false,
    },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      const pkgbase = pkgbaseArg(args.pkgbase);
      const query = { arch: archArg(args.arch), iteration: iterationArg(args.iteration) };
      const client = connect(args);
      const build = await buildOnceComputed(client, name, pkgbase, query, args.follow);

      if (!args.follow) {
        // The server answers a long log in bounded pieces: read on until a piece comes back empty.
        let chunk = await client.builds.log(build.id);
        const text = chunk.text;
        while (!args.json && chunk.text !== "") {
          process.stdout.write(chunk.text);
          chunk = await client.builds.log(build.id, { offset: chunk.offset });
        }
        if (args.json) printJson(chunk);
        if (!args.json && text === "")
          process.stderr.write(`buildbtw: ${pkgbase} (${build.arch}) has no log yet: it is ${build.status}\n`);
        return 0;
      }

      let offset = 0;
      let lastCheck = Date.now();
      for (;;) {
        const chunk = await client.builds.log(build.id, { offset });
        if (args.json) {
          if (chunk.text !== "" || chunk.finished) process.stdout.write(`${JSON.stringify(chunk)}\n`);
        } else process.stdout.write(chunk.text);
        offset = chunk.offset;
        if (chunk.finished) break;
        if (chunk.text === "" && Date.now() - lastCheck >= STUCK_CHECK_MS) {
          lastCheck = Date.now();
          const now = await client.builds.get(build.id);
          if (now.status === "blocked" || now.status === "pending") {
            const why = await wontFinish(client, name, now);
            if (why) {
              process.stderr.write(`buildbtw: ${why}\n`);
              return 1;
            }
          }
        }
        await Bun.sleep(POLL_MS);
      }
      const end = await client.builds.get(build.id);
      const how =
        end.status === "built"
          ? `${pkgbase} (${end.arch}) was built`
          : `${pkgbase} (${end.arch}) ${end.status === "failed" ? "failed" : `is ${end.status}`}${end.failure_reason ? `: ${end.failure_reason}` : ""}`;
      process.stderr.write(`buildbtw: ${how}\n`);
      return end.status === "built" ? 0 : 1;
    }),
});
