// `buildbtw retry NAME [PKGBASE]`: a new iteration of the whole namespace, or one failed build again.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { Invalid } from "../core/errors";
import { archArg, namespaceArg, pkgbaseArg } from "./client-args";
import { asAdmin, connect } from "./client-connect";
import { countsText, paintFor } from "./client-style";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "retry",
    description:
      "Without PKGBASE: start a new iteration of the namespace on the current branches; nodes an earlier iteration " +
      "already built with the same inputs are reused, not built (--all builds every node again). " +
      "With PKGBASE: put that failed build of the latest iteration back in the queue (all its failed architectures, " +
      "or only --arch); its blocked dependents follow once it is built. Needs the admin token",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    pkgbase: {
      type: "positional",
      description: "The failed build to retry (default: the whole namespace)",
      required: false,
    },
    arch: { type: "string", description: "With PKGBASE: only this architecture's build" },
    all: {
      type: "boolean",
      description: "Without PKGBASE: build every node again instead of reusing unchanged builds",
    },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      const paint = paintFor(process.stdout);
      if (args.pkgbase === undefined) {
        if (args.arch !== undefined)
          throw new Invalid(
            "--arch applies to retrying one build: name its PKGBASE, e.g. buildbtw retry NAME zlib --arch x86_64",
          );
        const it = await asAdmin(connect(args, "change").namespaces.retry(name, { rebuild_all: args.all === true }));
        if (args.json) printJson(it);
        else
          printLines([
            `Started iteration ${it.id} of ${name} (${it.reason}).`,
            ...Object.entries(it.architectures).map(([arch, a]) => `  ${arch}: ${countsText(a.counts, paint)}`),
          ]);
        return 0;
      }
      if (args.all)
        throw new Invalid("--all rebuilds a whole namespace: leave out PKGBASE, e.g. buildbtw retry NAME --all");
      const body = { pkgbase: pkgbaseArg(args.pkgbase), arch: archArg(args.arch) };
      const build = await asAdmin(connect(args, "change").namespaces.retryNode(name, body));
      if (args.json) printJson(build);
      else
        printLines([
          build.status === "blocked"
            ? `${build.pkgbase} (${build.arch}) will be built again in iteration ${build.iteration} once what it depends on is built (${build.blocked_by.join(", ")}).`
            : `${build.pkgbase} (${build.arch}) is ${build.status} again in iteration ${build.iteration}; follow it with \`buildbtw logs ${name} ${build.pkgbase} --arch ${build.arch} --follow\`.`,
        ]);
      return 0;
    }),
});
