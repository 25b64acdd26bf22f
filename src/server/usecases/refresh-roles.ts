// Groups are read again from the identity provider for every session holding a refresh token (web sessions,
// and the cookie-less ones `buildbtw auth login` leaves behind for its personal token) once their last
// reading is older than BUILDBTW_OIDC_ROLE_REFRESH_SECONDS (a day). The role follows the groups both ways;
// when the provider refuses (user removed or disabled, login revoked) the session ends and the user reads only.
import { Unauthorized } from "../../core/errors";
import { deleteSession, getUser, listSessionsDueForRoles, markRolesChecked } from "../../db/identity";
import type { ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";
import { updateRoles } from "./sign-in";

export async function refreshDueRoles(deps: ServerDeps): Promise<{ refreshed: number; ended: number }> {
  const oidc = deps.oidc;
  const settings = deps.config.oidc;
  if (!oidc || !settings) return { refreshed: 0, ended: 0 };
  const now = deps.now();
  const before = new Date(now - settings.roleRefreshSeconds * 1000).toISOString();
  let refreshed = 0;
  let ended = 0;
  for (const session of listSessionsDueForRoles(deps.db, before, new Date(now).toISOString())) {
    const user = session.userId === null ? null : getUser(deps.db, session.userId);
    if (!user || !session.refreshToken) continue;
    try {
      const identity = await oidc.refresh(session.refreshToken, user.subject);
      updateRoles(deps, user.id, identity.groups);
      markRolesChecked(deps.db, session.id, identity.refreshToken, isoNow(deps));
      refreshed++;
    } catch (error) {
      if (!(error instanceof Unauthorized)) {
        // The provider is down or confused: keep the session and the role until it answers again.
        deps.log.warn("reading groups again failed", { user: user.name, error: String(error) });
        continue;
      }
      deleteSession(deps.db, session.id);
      updateRoles(deps, user.id, []);
      deps.log.info("the identity provider ended a login; the user may only read now", {
        user: user.name,
        reason: error.message,
      });
      ended++;
    }
  }
  return { refreshed, ended };
}
