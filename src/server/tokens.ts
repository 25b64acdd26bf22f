// Tokens: random, shown once, stored as sha256 hashes, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const PREFIX = { personal: "p", bot: "b", admin: "a", session: "s" } as const;

/** A new secret: `bbw_<kind letter>_<32 random bytes>`; the prefix lets secret scanners recognise it. */
export const newToken = (kind: keyof typeof PREFIX): string =>
  `bbw_${PREFIX[kind]}_${randomBytes(32).toString("base64url")}`;

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export function sameToken(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export const newLeaseId = (): string => `lease_${randomBytes(16).toString("base64url")}`;
