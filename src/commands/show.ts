// `buildbtw show NAME`: one namespace and an iteration, builds grouped by status, and its pacman.conf section.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { archArg, iterationArg, namespaceArg } from "./client-args";
import { connect } from "./client-connect";
import { paintFor } from "./client-style";
import { showLines } from "./render-show";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "show",
    description:
      "Show a build namespace: its origins, the iteration (latest unless --iteration) with why it was made, and per " +
      "architecture its builds grouped by status (failed ones with their reason, blocked ones with what they wait for), " +
      "the dependency cycles that were broken, and the pacman.conf section of its repository",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    iteration: { type: "string", description: "Show this iteration instead of the latest (its id)" },
    arch: { type: "string", description: "Only this architecture" },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      const query = { iteration: iterationArg(args.iteration), arch: archArg(args.arch) };
      const client = connect(args);
      const detail = await client.namespaces.get(name, query);
      if (args.json) printJson(detail);
      else printLines(showLines(detail, client.serverUrl, paintFor(process.stdout)));
      return 0;
    }),
});
