// Users, API tokens and web sessions. Tokens and session ids are stored as sha256 hashes only.
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { isScope, type Role } from "../core/access";
import type { SessionRecord, TokenRecord, UserRecord } from "../core/records";
import type { Db } from "./open";
import { sessions, tokens, users } from "./schema";

type UserRow = typeof users.$inferSelect;
type TokenRow = typeof tokens.$inferSelect;
type SessionRow = typeof sessions.$inferSelect;

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  subject: r.subject,
  name: r.name,
  email: r.email,
  role: r.role,
  groups: r.groups,
  createdAt: r.createdAt,
  lastLoginAt: r.lastLoginAt,
});

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  userId: r.userId,
  scopes: r.scopes.filter(isScope),
  expiresAt: r.expiresAt,
  revokedAt: r.revokedAt,
  revokedBy: r.revokedBy,
  lastUsedAt: r.lastUsedAt,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
});

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.userId,
  csrfSecret: r.csrfSecret,
  refreshToken: r.refreshToken,
  rolesCheckedAt: r.rolesCheckedAt,
  expiresAt: r.expiresAt,
});

// ── users ───────────────────────────────────────────────────────────────────

/** Create or update the user with this subject (at login): name, email, groups and role as the provider says. */
export function upsertUser(
  db: Db,
  v: { subject: string; name: string; email: string | null; groups: string[]; role: Role },
  at: string,
): UserRecord {
  const row = db
    .insert(users)
    .values({ ...v, lastLoginAt: at, createdAt: at })
    .onConflictDoUpdate({
      target: users.subject,
      set: { name: v.name, email: v.email, groups: v.groups, role: v.role, lastLoginAt: at },
    })
    .returning()
    .get();
  return toUser(row);
}

export function setUserRole(db: Db, id: number, groups: string[], role: Role): void {
  db.update(users).set({ groups, role }).where(eq(users.id, id)).run();
}

export function getUser(db: Db, id: number): UserRecord | null {
  const row = db.select().from(users).where(eq(users.id, id)).get();
  return row ? toUser(row) : null;
}

export function listUsers(db: Db): UserRecord[] {
  return db.select().from(users).orderBy(users.name).all().map(toUser);
}

// ── tokens ──────────────────────────────────────────────────────────────────

export function insertToken(
  db: Db,
  v: {
    kind: "personal" | "bot";
    name: string;
    userId: number | null;
    scopes: string[];
    tokenHash: string;
    expiresAt: string | null;
    createdBy: string;
  },
  at: string,
): TokenRecord {
  return toToken(
    db
      .insert(tokens)
      .values({ ...v, createdAt: at })
      .returning()
      .get(),
  );
}

/**
 * The token with this hash, revoked and expired ones too. Every authenticated request asks this, so it is one
 * statement compiled once (bun:sqlite caches query()), not a query built anew each time.
 */
export function findTokenByHash(db: Db, tokenHash: string): (TokenRecord & { tokenHash: string }) | null {
  const r = db.$client
    .query<
      {
        id: number;
        kind: "personal" | "bot";
        name: string;
        user_id: number | null;
        scopes: string;
        token_hash: string;
        expires_at: string | null;
        revoked_at: string | null;
        revoked_by: string | null;
        last_used_at: string | null;
        created_by: string | null;
        created_at: string;
      },
      [string]
    >("SELECT * FROM tokens WHERE token_hash = ?")
    .get(tokenHash);
  if (!r) return null;
  const scopes: unknown = JSON.parse(r.scopes);
  return {
    ...toToken({
      id: r.id,
      kind: r.kind,
      name: r.name,
      userId: r.user_id,
      scopes: Array.isArray(scopes) ? scopes.filter((x): x is string => typeof x === "string") : [],
      tokenHash: r.token_hash,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      revokedBy: r.revoked_by,
      lastUsedAt: r.last_used_at,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }),
    tokenHash: r.token_hash,
  };
}

export function getToken(db: Db, id: number): TokenRecord | null {
  const row = db.select().from(tokens).where(eq(tokens.id, id)).get();
  return row ? toToken(row) : null;
}

/** The live (not revoked) bot token with this name, if any. */
export function findLiveBotToken(db: Db, name: string): TokenRecord | null {
  const row = db
    .select()
    .from(tokens)
    .where(and(eq(tokens.kind, "bot"), eq(tokens.name, name), isNull(tokens.revokedAt)))
    .get();
  return row ? toToken(row) : null;
}

export function listTokens(db: Db, filter: { userId?: number } = {}): TokenRecord[] {
  const q = db.select().from(tokens);
  const rows =
    filter.userId === undefined
      ? q.orderBy(desc(tokens.id)).all()
      : q.where(eq(tokens.userId, filter.userId)).orderBy(desc(tokens.id)).all();
  return rows.map(toToken);
}

export function revokeToken(db: Db, id: number, by: string, at: string): void {
  db.update(tokens)
    .set({ revokedAt: at, revokedBy: by })
    .where(and(eq(tokens.id, id), isNull(tokens.revokedAt)))
    .run();
}

/** Last use, written at most once a minute per token so reads do not all become writes. */
export function touchToken(db: Db, id: number, at: string): void {
  const minuteAgo = new Date(Date.parse(at) - 60_000).toISOString();
  db.update(tokens)
    .set({ lastUsedAt: at })
    .where(and(eq(tokens.id, id), or(isNull(tokens.lastUsedAt), lt(tokens.lastUsedAt, minuteAgo))))
    .run();
}

// ── sessions ────────────────────────────────────────────────────────────────

export function insertSession(
  db: Db,
  v: { idHash: string; userId: number | null; csrfSecret: string; refreshToken: string | null; expiresAt: string },
  at: string,
): SessionRecord {
  return toSession(
    db
      .insert(sessions)
      .values({ ...v, createdAt: at, rolesCheckedAt: at })
      .returning()
      .get(),
  );
}

export function findSession(db: Db, idHash: string, now: string): SessionRecord | null {
  const row = db
    .select()
    .from(sessions)
    .where(and(eq(sessions.idHash, idHash), sql`${sessions.expiresAt} > ${now}`))
    .get();
  return row ? toSession(row) : null;
}

export function findSessionById(db: Db, id: number, now: string): SessionRecord | null {
  const row = db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), sql`${sessions.expiresAt} > ${now}`))
    .get();
  return row ? toSession(row) : null;
}

/** Live sessions holding a refresh token whose groups were last read before `before`. */
export function listSessionsDueForRoles(db: Db, before: string, now: string): SessionRecord[] {
  return db
    .select()
    .from(sessions)
    .where(
      and(
        sql`${sessions.refreshToken} IS NOT NULL`,
        lt(sessions.rolesCheckedAt, before),
        sql`${sessions.expiresAt} > ${now}`,
      ),
    )
    .all()
    .map(toSession);
}

export function markRolesChecked(db: Db, id: number, refreshToken: string | null, at: string): void {
  db.update(sessions)
    .set({ rolesCheckedAt: at, ...(refreshToken ? { refreshToken } : {}) })
    .where(eq(sessions.id, id))
    .run();
}

export function deleteSession(db: Db, id: number): void {
  db.delete(sessions).where(eq(sessions.id, id)).run();
}

export function deleteExpiredSessions(db: Db, now: string): number {
  return db.$client.query("DELETE FROM sessions WHERE expires_at < ?").run(now).changes;
}
