import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./_columns.ts";
import { users } from "./users.ts";

/**
 * Objects to remove from storage, written in the same transaction as the change that orphans
 * them (agent or user delete), or before an upload starts with `not_before` in the future and
 * deleted when its version row commits, so abandoned uploads are found after a crash too.
 */
export const storageDeletions = pgTable(
  "storage_deletions",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    storageKey: text("storage_key").notNull().unique("storage_deletions_storage_key_unique"),
    /** e.g. agent_deleted, user_deleted, upload_abandoned, staging_moved. */
    reason: text("reason").notNull(),
    notBefore: tstz("not_before").notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  (t) => [index("storage_deletions_not_before_idx").on(t.notBefore)],
);

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A record of each webhook notification (the job loop does the retrying). */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** e.g. validation.finished */
    event: text("event").notNull(),
    /** The URL at the time of sending (the user may change theirs later). */
    url: text("url").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    responseStatus: integer("response_status"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    deliveredAt: tstz("delivered_at"),
  },
  (t) => [
    index("webhook_deliveries_user_id_created_at_idx").on(t.userId, t.createdAt),
    index("webhook_deliveries_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending'`),
    check("webhook_deliveries_status_check", sql`${t.status} in ('pending', 'delivered', 'failed')`),
    check("webhook_deliveries_attempts_nonnegative", sql`${t.attempts} >= 0`),
  ],
);

export type StorageDeletion = typeof storageDeletions.$inferSelect;
export type NewStorageDeletion = typeof storageDeletions.$inferInsert;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;

/**
 * Cache invalidations a process could not deliver (Redis down, or refusing the write). While one
 * is owed every process reads past the answer cache; whichever reaches Redis first bumps the
 * generation and clears the row, so no instance serves a pre-write answer after Redis is back.
 */
export const owedInvalidations = pgTable("owed_invalidations", {
  /** The cache namespace owed a bump, e.g. "catalog". */
  name: text("name").primaryKey(),
  owedSince: tstz("owed_since").notNull().defaultNow(),
  /** Raised by each failed bump, so a repair clears only the owing it saw. */
  version: bigint("version", { mode: "number" }).notNull().default(1),
});
