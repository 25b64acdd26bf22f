import { resolve } from "node:path";
import { defineCommand } from "citty";
import { loadServerConfig } from "../config/server";
import { backupDatabase } from "../db/backup";
import { execute, jsonFlag, printJson, serverHostFlags } from "./support";

export default defineCommand({
  meta: {
    name: "backup",
    description:
      "Write a consistent copy of the database to FILE while the server runs (run on the server host); the README says what else to copy and how to restore",
  },
  args: {
    file: { type: "positional", description: "Where to write the copy (must not exist)", required: true },
    ...serverHostFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(() => {
      const config = loadServerConfig(args);
      const r = backupDatabase(config.databasePath, resolve(args.file));
      if (args.json) printJson(r);
      else
        process.stderr.write(
          `backed up ${config.databasePath} to ${r.file}: ${r.bytes} bytes, ${r.namespaces} namespace(s), ${r.iterations} iteration(s), ${r.builds} build(s), integrity ${r.integrity}\n`,
        );
      return 0;
    }),
});
