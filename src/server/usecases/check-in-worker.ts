// The worker a protocol call comes from: named after its bot token, and listed from its first call on.
import type { Principal } from "../../core/access";
import { Invalid } from "../../core/errors";
import type { WorkerRecord } from "../../core/records";
import { ensureWorker } from "../../db/workers";
import type { ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";

export function checkInWorker(deps: Pick<ServerDeps, "db" | "now">, who: Principal): WorkerRecord {
  if (who.kind !== "bot") throw new Invalid("the worker protocol needs a bot token with the worker scope");
  return ensureWorker(deps.db, who.name, isoNow(deps));
}
