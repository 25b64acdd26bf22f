// `buildbtw retry NAME [PKGBASE]`: a new iteration of the whole namespace, or one failed build again.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { Invalid } from "../core/errors";
import { archArg, asAdmin, connect, countsText, namespaceArg, paintFor, pkgbaseArg } from "./client-output";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "retry",
    description:
      "Without PKGBASE: start a new iteration of the namespace (every build again, on the current branches). " +
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
        const it = await asAdmin(connect(args, "change").namespaces.retry(name));
        if (args.json) printJson(it);
        else
          printLines([
            `Started iteration ${it.id} of ${name} (${it.reason}).`,
            ...Object.entries(it.architectures).map(([arch, a]) => `  ${arch}: ${countsText(a.counts, paint)}`),
          ]);
        return 0;
      }
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
