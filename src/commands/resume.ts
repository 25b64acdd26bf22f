// `buildbtw resume NAME`: reactivate a cancelled namespace; the server re-checks its sources at once.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { namespaceArg } from "./client-args";
import { asAdmin, connect } from "./client-connect";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "resume",
    description:
      "Resume a cancelled build namespace: its waiting builds are handed to workers again and its branches are " +
      "re-checked at once (a moved branch gives a new iteration). Needs the admin token",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      const ns = await asAdmin(connect(args, "change").namespaces.update(name, { status: "active" }));
      if (args.json) printJson(ns);
      else printLines([`Resumed ${ns.name}: its builds go on; see \`buildbtw show ${ns.name}\`.`]);
      return 0;
    }),
});
