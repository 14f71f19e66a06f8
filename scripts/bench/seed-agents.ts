/**
 * Seeds a database for the agent benchmarks: users, categories, and `count` public agents, each
 * with one version (so the list joins what production joins), plus one agent owner with a
 * session token. Run in-process before the server starts (PGlite allows one process per folder).
 */
import { sql } from "drizzle-orm";
import { agents, agentVersions, categories, users } from "../../db/schema/index.ts";
import { readEnv } from "../../src/env.ts";
import { createRuntime, systemContextOf } from "../../src/runtime.ts";
import { createSession } from "../../src/services/auth/sessions.ts";

export interface Seeded {
  token: string;
  category: string;
  sampleSlug: string;
  /** Every seeded agent's slug, in seeding order. */
  slugs: string[];
}

/** Name and description of agent number i; the default is the same plain text for every agent. */
export type AgentText = (i: number) => { name: string; description: string };

const plainText: AgentText = (i) => ({ name: `Bench Agent ${i}`, description: `A seeded agent number ${i} for the list and detail benchmarks` });

export async function seedAgents(overrides: Record<string, string>, count: number, text: AgentText = plainText): Promise<Seeded> {
  const rt = await createRuntime(readEnv({ LOG_LEVEL: "silent", ...overrides }));
  try {
    const db = rt.db.db;
    const authors = await db
      .insert(users)
      .values(Array.from({ length: 50 }, (_, i) => ({ githubId: 9_000_000 + i, username: `bench-author-${i}`, email: `a${i}@example.com` })))
      .returning({ id: users.id });
    const cats = await db
      .insert(categories)
      .values(Array.from({ length: 10 }, (_, i) => ({ name: `Bench Category ${i}`, slug: `bench-category-${i}` })))
      .returning({ id: categories.id, slug: categories.slug });
    for (let start = 0; start < count; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - start) }, (_, j) => start + j);
      const rows = await db
        .insert(agents)
        .values(
          batch.map((i) => ({
            ...text(i),
            slug: `bench-agent-${i}`,
            authorId: authors[i % authors.length]!.id,
            categoryId: cats[i % cats.length]!.id,
            downloads: (i * 7919) % 10_000,
            stars: (i * 104_729) % 500,
          })),
        )
        .returning({ id: agents.id });
      await db.insert(agentVersions).values(
        rows.map((row) => ({
          agentId: row.id,
          version: "1.0.0",
          major: 1,
          minor: 0,
          patch: 0,
          sizeBytes: 1234,
          sha256: "0".repeat(64),
          storageKey: `agents/${row.id}/${"0".repeat(64)}.zip`,
          // Validated, as a catalog at steady state is: a pending version would be re-queued by the
          // schedule and validated in the background, burning the server's core during the run.
          validationStatus: "passed" as const,
          tested: true,
          securityScanPassed: true,
        })),
      );
    }
    await db.execute(sql`update agents set current_version_id = v.id from agent_versions v where v.agent_id = agents.id`);
    // A table at steady state has been vacuumed and analysed (autovacuum); a fresh bulk load has not.
    for (const table of ["agents", "agent_versions", "users", "categories", "search_terms"]) await db.execute(sql.raw(`vacuum analyze ${table}`));
    const session = await createSession(systemContextOf(rt), authors[0]!.id, { ip: "127.0.0.1", userAgent: "bench" });
    const slugs = Array.from({ length: count }, (_, i) => `bench-agent-${i}`);
    return { token: session.access_token, category: cats[0]!.slug, sampleSlug: `bench-agent-${Math.floor(count / 2)}`, slugs };
  } finally {
    await rt.close();
  }
}
