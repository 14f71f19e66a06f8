import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

/**
 * Opaque bearer secrets as Lucia's session guide makes them: random bytes in lower-case base32,
 * and only their SHA-256 (hex) ever reaches the database. A leaked table holds no usable token.
 */

/** Personal API tokens start with this, so they are recognisable (and routable without a query). */
export const API_TOKEN_PREFIX = "amp_";

/** 20 bytes = 160 bits, Lucia's recommendation for session tokens. */
export function generateSecret(bytes = 20): string {
  const random = new Uint8Array(bytes);
  crypto.getRandomValues(random);
  return encodeBase32LowerCaseNoPadding(random);
}

export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export function isApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}
