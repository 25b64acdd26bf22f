// `buildbtw audit`: the server's audit log (admins): who did what to what, refused attempts included.
import { defineCommand } from "citty";
import { clientFlags } from "../config/client";
import { Invalid } from "../core/errors";
import { asAdmin, connect } from "./client-connect";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "audit",
    description:
      "Show the audit log, newest first: every change and every refused attempt, with actor, action, target, result and address (admins)",
  },
  args: {
    limit: { type: "string", description: "How many entries (1-1000, default 50)", default: "50" },
    actor: { type: "string", description: "Only this actor (a user's or token's name, admin, anonymous)" },
    target: { type: "string", description: "Only this target, e.g. 'namespace zlib'" },
    result: { type: "string", description: "Only ok, refused or failed" },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const limit = Number(args.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new Invalid("--limit must be a whole number from 1 to 1000");
      if (args.result && !["ok", "refused", "failed"].includes(args.result))
        throw new Invalid("--result must be ok, refused or failed");
      const list = await asAdmin(
        connect(args, "change").audit.list({ limit, actor: args.actor, target: args.target, result: args.result }),
      );
      if (args.json) {
        printJson(list);
        return 0;
      }
      printLines(
        list.entries.map(
          (e) =>
            `${e.at}  ${`${e.actor} (${e.actor_kind})`.padEnd(24)} ${e.action.padEnd(18)} ${e.target.padEnd(28)} ${e.result} ${e.status}${e.detail ? ` (${e.detail})` : ""}  ${e.remote_address ?? ""}`,
        ),
      );
      return 0;
    }),
});
