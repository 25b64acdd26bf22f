import { defineCommand } from "citty";
import { loadServerConfig } from "../config/server";
import { Invalid } from "../core/errors";
import { parsePkgname } from "../core/names";
import { openDatabase } from "../db/open";
import { findWorkerByName, insertWorker, replaceWorkerToken } from "../db/workers";
import { hashToken, newToken } from "../server/tokens";
import { execute, jsonFlag, printJson } from "./support";

const create = defineCommand({
  meta: {
    name: "create",
    description: "Create a worker token (run on the server host; talks to the database). Prints the token once",
  },
  args: {
    worker: { type: "string", description: "Worker name (letters, digits, @._+-)", required: true },
    rotate: { type: "boolean", description: "Replace the token of an existing worker", default: false },
    "database-url": { type: "string", description: "SQLite database (DATABASE_URL)" },
    "data-dir": { type: "string", description: "State directory (DATA_DIR)" },
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(() => {
      let name: string;
      try {
        name = parsePkgname(args.worker);
      } catch {
        throw new Invalid(`${JSON.stringify(args.worker)} is not a valid worker name (letters, digits, @._+-)`);
      }
      const config = loadServerConfig(args);
      const db = openDatabase(config.databasePath);
      const token = newToken("worker");
      try {
        const existing = findWorkerByName(db, name);
        if (existing && !args.rotate)
          throw new Invalid(`worker ${name} already exists; pass --rotate to replace its token`);
        if (existing) replaceWorkerToken(db, existing.id, hashToken(token));
        else insertWorker(db, name, hashToken(token));
      } finally {
        db.$client.close();
      }
      if (args.json) {
        printJson({ worker: name, token });
      } else {
        process.stderr.write(`Token for worker ${name} (shown once; give it to the worker as BUILDBTW_TOKEN):\n`);
        process.stdout.write(`${token}\n`);
      }
      return 0;
    }),
});

export default defineCommand({
  meta: { name: "token", description: "Manage worker tokens" },
  subCommands: { create },
});
