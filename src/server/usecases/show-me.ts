// Who the caller is and what they may do, as /api/v1/me answers it (`auth status` and the CLI's checks).
import { actorName, decide, type Principal } from "../../core/access";
import { getUser } from "../../db/identity";
import type { ServerDeps } from "../deps";

export function showMe(deps: Pick<ServerDeps, "db" | "config">, p: Principal) {
  const opts = { publicRead: deps.config.publicRead };
  const user = p.kind === "user" ? getUser(deps.db, p.userId) : null;
  return {
    kind: p.kind,
    name: actorName(p),
    role: p.kind === "user" ? p.role : p.kind === "bootstrap" ? "admin" : null,
    scopes: p.kind === "bot" ? p.scopes : [],
    groups: user?.groups ?? [],
    /** The token this request came with (personal or bot), so `auth logout` can revoke it. */
    token_id: p.kind === "user" || p.kind === "bot" ? p.tokenId : null,
    can: {
      write_namespaces: decide("namespaces:write", p, opts) === "allow",
      admin: decide("admin", p, opts) === "allow",
    },
  };
}
