import { and, eq, sql } from "drizzle-orm";
import { owedInvalidations } from "../../db/schema/index.ts";
import type { Database } from "../lib/db/db.ts";
import type { Logger } from "../lib/logger.ts";

/**
 * Cache bumps a process owes, kept in the database where every process sees them and where they
 * outlive the process and any Redis restart (db/schema/operations.ts, owed_invalidations).
 */
export interface OwedInvalidations {
  /** Records that `name` is owed a bump. Never throws: without the database there is nothing to keep it in. */
  owe(name: string): Promise<void>;
  /** The version of the owing of `name`, or null when none is owed. */
  owed(name: string): Promise<number | null>;
  /** Clears the owing, if no failed bump came after the one seen. */
  settle(name: string, version: number): Promise<void>;
}

export function databaseOwedInvalidations(db: Database, logger: Logger): OwedInvalidations {
  return {
    async owe(name) {
      await db
        .insert(owedInvalidations)
        .values({ name })
        .onConflictDoUpdate({ target: owedInvalidations.name, set: { version: sql`${owedInvalidations.version} + 1` } })
        .catch((err: unknown) => logger.error({ err, name }, "could not record an owed cache invalidation"));
    },
    async owed(name) {
      const [row] = await db.select({ version: owedInvalidations.version }).from(owedInvalidations).where(eq(owedInvalidations.name, name));
      return row?.version ?? null;
    },
    async settle(name, version) {
      await db.delete(owedInvalidations).where(and(eq(owedInvalidations.name, name), eq(owedInvalidations.version, version)));
    },
  };
}

/** The embedded mode: one process, an in-process cache; nothing can be owed to anyone else. */
export const NOTHING_OWED: OwedInvalidations = {
  owe: async () => undefined,
  owed: async () => null,
  settle: async () => undefined,
};
