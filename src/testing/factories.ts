import { agents, categories, users } from "../../db/schema/index.ts";
import type { Executor } from "../lib/db/db.ts";
import type { SessionActor, TokenScope } from "../services/actor.ts";

/** Rows for tests, written through the real database. Overrides win over defaults. */
let seq = 0;
const next = () => `${Date.now().toString(36)}${++seq}`;

export async function makeUser(db: Executor, overrides: Partial<typeof users.$inferInsert> = {}) {
  const n = next();
  const [row] = await db
    .insert(users)
    .values({ githubId: Math.floor(Math.random() * 1e12), username: `user-${n}`, email: `user-${n}@example.com`, ...overrides })
    .returning();
  return row!;
}

export async function makeCategory(db: Executor, overrides: Partial<typeof categories.$inferInsert> = {}) {
  const n = next();
  const [row] = await db
    .insert(categories)
    .values({ name: `Category ${n}`, slug: `category-${n}`, ...overrides })
    .returning();
  return row!;
}

export async function makeAgent(db: Executor, authorId: number, overrides: Partial<typeof agents.$inferInsert> = {}) {
  const n = next();
  const [row] = await db
    .insert(agents)
    .values({ name: `Agent ${n}`, slug: `agent-${n}`, description: "An agent made by a test factory", authorId, ...overrides })
    .returning();
  return row!;
}

/** A session's actor: like a real session, it carries every scope of the user's role unless told otherwise. */
export function actorFor(user: { id: number; username: string; role: "user" | "admin" }, scopes?: readonly TokenScope[]): SessionActor {
  scopes ??= user.role === "admin" ? ["read", "publish", "admin"] : ["read", "publish"];
  return { kind: "user", user: { id: user.id, username: user.username, role: user.role }, sessionId: 0, scopes };
}
