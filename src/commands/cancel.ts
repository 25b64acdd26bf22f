// `buildbtw cancel NAME`: stop a namespace — no new builds or iterations until it is resumed.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { namespaceArg } from "./client-args";
import { asAdmin, connect } from "./client-connect";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "cancel",
    description:
      "Cancel a build namespace: no new builds and no new iterations; builds in progress lose their leases and stop. " +
      "Built packages stay in its repository. Undo with `buildbtw resume NAME`. Needs the admin token",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      const ns = await asAdmin(connect(args, "change").namespaces.update(name, { status: "cancelled" }));
      if (args.json) printJson(ns);
      else printLines([`Cancelled ${ns.name}: nothing more is built until \`buildbtw resume ${ns.name}\`.`]);
      return 0;
    }),
});
