import { defineCommand } from "citty";
import { loadServerConfig } from "../config/server";
import { openDatabase } from "../db/open";
import { applyRetention, describeRetention } from "../server/usecases/apply-retention";
import { execute, jsonFlag, printJson, printLines, serverHostFlags } from "./support";

export default defineCommand({
  meta: {
    name: "gc",
    description:
      "Apply the retention policy now (run on the server host): remove old iterations' repositories and old build logs, printing what and how much",
  },
  args: {
    "dry-run": { type: "boolean", description: "Only print what would be removed", default: false },
    ...serverHostFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(() => {
      const config = loadServerConfig(args);
      const db = openDatabase(config.databasePath);
      try {
        const report = applyRetention(
          { db, dataDir: config.dataDir, policy: config.ops.retention, now: Date.now },
          { dryRun: args["dry-run"] },
        );
        if (args.json) printJson(report);
        else printLines(describeRetention(report));
      } finally {
        db.$client.close();
      }
      return 0;
    }),
});
