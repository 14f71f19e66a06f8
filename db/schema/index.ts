/** The whole data model: every table, its row types, and the relations for `db.query`. */

export * from "./agents.ts";
export * from "./analytics.ts";
export * from "./auth.ts";
export * from "./categories.ts";
export * from "./operations.ts";
export * from "./relations.ts";
export * from "./reviews.ts";
export * from "./search.ts";
export * from "./stars.ts";
export * from "./trusted-publishing.ts";
export * from "./users.ts";
export * from "./validation.ts";
