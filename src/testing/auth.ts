import type { SessionTokens } from "../contract/auth.ts";
import type { ApiTokenScope } from "../contract/tokens.ts";
import { type Runtime, systemContextOf } from "../runtime.ts";
import { insertApiToken } from "../services/auth/api-tokens.ts";
import { createSession } from "../services/auth/sessions.ts";

/** Real credentials for tests, made through the same services a login uses. */

export function sessionFor(rt: Runtime, user: { id: number }): Promise<SessionTokens> {
  return createSession(systemContextOf(rt), user.id, { ip: "127.0.0.1", userAgent: "test" });
}

export async function apiTokenFor(
  rt: Runtime,
  user: { id: number },
  scopes: ApiTokenScope[] = ["read", "publish"],
  expiresAt: Date | null = null,
): Promise<string> {
  const { token } = await insertApiToken(rt.db.db, { userId: user.id, name: "test token", scopes, expiresAt });
  return token;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
