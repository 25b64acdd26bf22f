import { defineCommand } from "citty";
import { loadServerConfig } from "../config/server";
import { openDatabase } from "../db/open";
import { checkStorage, describeCheck } from "../server/usecases/check-storage";
import { execute, jsonFlag, printJson, printLines, serverHostFlags } from "./support";

export default defineCommand({
  meta: {
    name: "check",
    description:
      "Compare the database with the package files and repository databases (run on the server host); exit 1 while problems are left",
  },
  args: {
    repair: {
      type: "boolean",
      description: "Rewrite repository databases from the records and remove orphaned files, saying what was done",
      default: false,
    },
    ...serverHostFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const config = loadServerConfig(args);
      const db = openDatabase(config.databasePath);
      try {
        const report = await checkStorage({ db, dataDir: config.dataDir }, { repair: args.repair });
        if (args.json) printJson(report);
        else printLines(describeCheck(report));
        return report.unresolved === 0 ? 0 : 1;
      } finally {
        db.$client.close();
      }
    }),
});
