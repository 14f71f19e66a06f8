import { customType, timestamp } from "drizzle-orm/pg-core";

/** Column helpers shared by every table group, so timestamps look the same everywhere. */

/** A timestamptz read and written as a JS Date. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const createdAt = () => tstz("created_at").notNull().defaultNow();

/** Drizzle refreshes it on every `update()`; raw SQL updates must set it themselves. */
export const updatedAt = () =>
  tstz("updated_at")
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/** PostgreSQL's tsvector, read as its text form (only ever used inside SQL). */
export const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
