// `buildbtw list`: the namespaces on the server with their latest iteration's progress.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { connect } from "./client-connect";
import { paintFor } from "./client-style";
import { listLines } from "./render-list";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "list",
    description:
      "List the build namespaces on the server: status, origins, progress of the latest iteration (built/total, failed), " +
      "the latest iteration and why it was made, and when the namespace was created. Active ones only, unless --all",
  },
  args: {
    all: { type: "boolean", description: "Include cancelled namespaces", default: false },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const list = await connect(args).namespaces.list({ all: args.all });
      if (args.json) printJson(list);
      else printLines(listLines(list, args.all, paintFor(process.stdout)));
      return 0;
    }),
});
