// Who may do what: roles for people, scopes for bots, and one rule per route. Pure decisions; the HTTP edge
// finds the principal and the route's rule, and asks `decide`.
import { assertNever } from "./errors";

export const ROLES = ["reader", "packager", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a bot token may do. `namespaces:write` creates, changes, cancels, resumes and retries namespaces;
 * `worker` takes leases and uploads their packages; `executor` is a GitLab runner host's token (it downloads,
 * like every bot); `metrics` reads /metrics; `admin` is everything an admin user may do.
 */
export const SCOPES = ["namespaces:write", "worker", "executor", "metrics", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** Who is asking. */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "user"; userId: number; name: string; role: Role; tokenId: number | null }
  | { kind: "bot"; tokenId: number; name: string; scopes: Scope[] }
  /** The bootstrap admin token (BUILDBTW_ADMIN_TOKEN or DATA_DIR/admin-token), for set-up and emergencies. */
  | { kind: "bootstrap" };

/**
 * What a route needs. `public`: nothing (the route checks its own proof, like webhooks and pipeline build
 * tokens, or it is the login itself); `read`: anyone while reading is public, else a signed-in principal;
 * `signed-in`: any principal that is not anonymous; the rest name a permission.
 */
export const RULES = ["public", "read", "signed-in", "namespaces:write", "worker", "metrics", "admin"] as const;
export type Rule = (typeof RULES)[number];

export type Decision = "allow" | "unauthenticated" | "forbidden";

/** The name an action is recorded under. */
export function actorName(p: Principal): string {
  switch (p.kind) {
    case "anonymous":
      return "anonymous";
    case "user":
    case "bot":
      return p.name;
    case "bootstrap":
      return "admin";
    default:
      return assertNever(p, "principal");
  }
}

function can(p: Exclude<Principal, { kind: "anonymous" }>, need: Exclude<Rule, "public" | "read" | "signed-in">) {
  switch (p.kind) {
    case "bootstrap":
      return need !== "worker";
    case "user":
      if (need === "worker") return false;
      if (need === "namespaces:write") return p.role === "packager" || p.role === "admin";
      return p.role === "admin";
    case "bot":
      if (p.scopes.includes("admin")) return need !== "worker" || p.scopes.includes("worker");
      return p.scopes.includes(need);
    default:
      return assertNever(p, "principal");
  }
}

export function decide(rule: Rule, p: Principal, opts: { publicRead: boolean }): Decision {
  if (rule === "public") return "allow";
  if (p.kind === "anonymous") return rule === "read" && opts.publicRead ? "allow" : "unauthenticated";
  if (rule === "read" || rule === "signed-in") return "allow";
  return can(p, rule) ? "allow" : "forbidden";
}

/** The role a user's groups give: admin wins over packager; anyone else reads. */
export function roleFromGroups(groups: readonly string[], map: { packager: string[]; admin: string[] }): Role {
  if (groups.some((g) => map.admin.includes(g))) return "admin";
  if (groups.some((g) => map.packager.includes(g))) return "packager";
  return "reader";
}
