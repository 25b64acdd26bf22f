// The people who signed in through single sign-on, by name, with the role their groups gave them.
import type { UserRecord } from "../../core/records";
import { listUsers as listUserRows } from "../../db/identity";
import type { ServerDeps } from "../deps";

export function listUsers(deps: Pick<ServerDeps, "db">): UserRecord[] {
  return listUserRows(deps.db);
}
