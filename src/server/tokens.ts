// Tokens: random, shown once; workers' stored as sha256 hashes; compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const newToken = (kind: "worker" | "admin"): string =>
  `bbw_${kind === "worker" ? "w" : "a"}_${randomBytes(24).toString("base64url")}`;

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export function sameToken(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export const newLeaseId = (): string => `lease_${randomBytes(16).toString("base64url")}`;
