CREATE TABLE "publish_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "publish_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"token_hash" text NOT NULL,
	"agent_ids" integer[] NOT NULL,
	"provenance" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "publish_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "trusted_publishers" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "trusted_publishers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"agent_id" integer NOT NULL,
	"provider" text NOT NULL,
	"repository" varchar(200) NOT NULL,
	"workflow" varchar(255) NOT NULL,
	"environment" varchar(255),
	"created_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trusted_publishers_identity_unique" UNIQUE NULLS NOT DISTINCT("agent_id","provider","repository","workflow","environment"),
	CONSTRAINT "trusted_publishers_provider_check" CHECK ("trusted_publishers"."provider" in ('github'))
);
--> statement-breakpoint
CREATE TABLE "used_oidc_tokens" (
	"key" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "yanked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "yanked_reason" text;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "readme" text;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "license" varchar(200);--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "repository_url" text;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "homepage_url" text;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "keywords" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "provenance" jsonb;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "search_keywords" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "deprecated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "deprecation_message" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "deprecation_replacement" varchar(300);--> statement-breakpoint
ALTER TABLE "trusted_publishers" ADD CONSTRAINT "trusted_publishers_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trusted_publishers" ADD CONSTRAINT "trusted_publishers_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "publish_tokens_expires_at_idx" ON "publish_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "trusted_publishers_repository_idx" ON "trusted_publishers" USING btree ("provider","repository");--> statement-breakpoint
CREATE INDEX "used_oidc_tokens_expires_at_idx" ON "used_oidc_tokens" USING btree ("expires_at");