// A person the identity provider vouched for becomes (or updates) a user whose role follows their groups.
import { roleFromGroups } from "../../core/access";
import type { UserRecord } from "../../core/records";
import { setUserRole, upsertUser } from "../../db/identity";
import type { ServerDeps } from "../deps";
import type { OidcIdentity } from "../oidc";
import { isoNow } from "./build-lifecycle";

export function signIn(deps: ServerDeps, identity: OidcIdentity): UserRecord {
  const oidc = deps.config.oidc;
  const role = roleFromGroups(identity.groups, {
    packager: oidc?.packagerGroups ?? [],
    admin: oidc?.adminGroups ?? [],
  });
  const user = upsertUser(
    deps.db,
    {
      subject: identity.subject,
      name: identity.name,
      email: identity.email,
      groups: identity.groups,
      role,
    },
    isoNow(deps),
  );
  deps.log.info("user signed in", { user: user.name, role, groups: identity.groups.length });
  return user;
}

/** Groups read again (refresh token): the role follows, both ways. */
export function updateRoles(deps: ServerDeps, userId: number, groups: string[]): void {
  const oidc = deps.config.oidc;
  const role = roleFromGroups(groups, { packager: oidc?.packagerGroups ?? [], admin: oidc?.adminGroups ?? [] });
  setUserRole(deps.db, userId, groups, role);
}
