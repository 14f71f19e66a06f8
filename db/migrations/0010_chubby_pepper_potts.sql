CREATE TABLE "owed_invalidations" (
	"name" text PRIMARY KEY NOT NULL,
	"owed_since" timestamp with time zone DEFAULT now() NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL
);
