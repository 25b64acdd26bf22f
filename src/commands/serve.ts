import { defineCommand } from "citty";
import { loadServerConfig } from "../config/server";
import { startServer } from "../server/serve";
import { execute } from "./support";

export default defineCommand({
  meta: {
    name: "serve",
    description:
      "Run the coordinator: API, pacman repositories and scheduling. Defaults need no external service (SQLite and repos under ./data)",
  },
  args: {
    port: { type: "string", description: "Port to listen on (PORT, default 8080)" },
    interface: { type: "string", description: "Address to bind (INTERFACE, default 0.0.0.0)" },
    "base-url": { type: "string", description: "Public URL of this server (BASE_URL, default http://localhost:PORT)" },
    "database-url": {
      type: "string",
      description: "SQLite database (DATABASE_URL, default sqlite:./data/buildbtw.sqlite)",
    },
    "data-dir": { type: "string", description: "State directory (DATA_DIR, default ./data)" },
    repos: {
      type: "string",
      description: "Source repositories, one git repo per pkgbase (REPOS_DIR, default ./data/source_repos)",
    },
    "admin-token": {
      type: "string",
      description: "Admin token (BUILDBTW_ADMIN_TOKEN; default: generated into DATA_DIR/admin-token)",
    },
    "ref-check-interval": {
      type: "string",
      description: "Milliseconds between checks for moved branches (default 30000)",
    },
    "lease-ttl": {
      type: "string",
      description: "Milliseconds a worker lease lives without a heartbeat (default 60000)",
    },
  },
  // serve owns the process: once it stopped, or failed to start with loops already running, the process ends.
  run: ({ args }) =>
    execute(async () => {
      const server = await startServer(loadServerConfig(args));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      // A stop drains requests for a few seconds; whatever still hangs, the process ends within 10 s.
      setTimeout(() => process.exit(1), 9500).unref();
      await server.stop();
      return 0;
    }).then(() => process.exit()),
});
