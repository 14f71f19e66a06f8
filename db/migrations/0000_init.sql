CREATE TABLE "users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"github_id" bigint,
	"username" varchar(100) NOT NULL,
	"email" text,
	"avatar_url" text,
	"bio" text,
	"reputation" integer DEFAULT 0 NOT NULL,
	"role" text DEFAULT 'user' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"is_blocked" boolean DEFAULT false NOT NULL,
	"blocked_reason" text,
	"blocked_at" timestamp with time zone,
	"webhook_url" text,
	"webhook_secret" text,
	"last_active_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_github_id_unique" UNIQUE("github_id"),
	CONSTRAINT "users_role_check" CHECK ("users"."role" in ('user', 'admin')),
	CONSTRAINT "users_username_not_empty" CHECK (length("users"."username") > 0)
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" varchar(32) NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "api_tokens_scopes_check" CHECK (cardinality("api_tokens"."scopes") > 0 and "api_tokens"."scopes" <@ array['read', 'publish', 'admin']::text[])
);
--> statement-breakpoint
CREATE TABLE "oauth_states" (
	"state" text PRIMARY KEY NOT NULL,
	"code_verifier" text NOT NULL,
	"redirect_uri" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rotated_refresh_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"session_id" integer NOT NULL,
	"rotated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sessions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"access_token_hash" text NOT NULL,
	"refresh_token_hash" text NOT NULL,
	"access_expires_at" timestamp with time zone NOT NULL,
	"refresh_expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	"user_agent" text,
	"ip" varchar(64),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sessions_access_token_hash_unique" UNIQUE("access_token_hash"),
	CONSTRAINT "sessions_refresh_token_hash_unique" UNIQUE("refresh_token_hash")
);
--> statement-breakpoint
CREATE TABLE "categories" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "categories_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" varchar(100) NOT NULL,
	"slug" varchar(100) NOT NULL,
	"icon" varchar(50),
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "categories_slug_unique" UNIQUE("slug"),
	CONSTRAINT "categories_slug_format" CHECK ("categories"."slug" ~ '^[a-z0-9-]+$'),
	CONSTRAINT "categories_name_not_empty" CHECK (length("categories"."name") > 0)
);
--> statement-breakpoint
CREATE TABLE "agent_versions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "agent_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"agent_id" integer NOT NULL,
	"version" varchar(100) NOT NULL,
	"major" integer NOT NULL,
	"minor" integer NOT NULL,
	"patch" integer NOT NULL,
	"prerelease" varchar(100),
	"changelog" text,
	"size_bytes" bigint NOT NULL,
	"sha256" char(64) NOT NULL,
	"storage_key" text NOT NULL,
	"validation_status" text DEFAULT 'pending' NOT NULL,
	"tested" boolean DEFAULT false NOT NULL,
	"security_scan_passed" boolean DEFAULT false NOT NULL,
	"quality_score" double precision,
	"validation_started_at" timestamp with time zone,
	"validation_finished_at" timestamp with time zone,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_versions_agent_id_version_unique" UNIQUE("agent_id","version"),
	CONSTRAINT "agent_versions_validation_status_check" CHECK ("agent_versions"."validation_status" in ('pending', 'running', 'passed', 'failed', 'error')),
	CONSTRAINT "agent_versions_semver_nonnegative" CHECK ("agent_versions"."major" >= 0 and "agent_versions"."minor" >= 0 and "agent_versions"."patch" >= 0),
	CONSTRAINT "agent_versions_prerelease_not_empty" CHECK ("agent_versions"."prerelease" <> ''),
	CONSTRAINT "agent_versions_size_nonnegative" CHECK ("agent_versions"."size_bytes" >= 0),
	CONSTRAINT "agent_versions_sha256_hex" CHECK ("agent_versions"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "agent_versions_quality_score_range" CHECK ("agent_versions"."quality_score" between 0 and 1)
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "agents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" varchar(255) NOT NULL,
	"slug" varchar(300) NOT NULL,
	"description" text NOT NULL,
	"author_id" integer NOT NULL,
	"category_id" integer,
	"is_public" boolean DEFAULT true NOT NULL,
	"is_validated" boolean DEFAULT false NOT NULL,
	"downloads" bigint DEFAULT 0 NOT NULL,
	"stars" integer DEFAULT 0 NOT NULL,
	"rating_sum" integer DEFAULT 0 NOT NULL,
	"review_count" integer DEFAULT 0 NOT NULL,
	"rating" numeric(3, 2) GENERATED ALWAYS AS (case when review_count > 0 then round(rating_sum::numeric / review_count, 2) else 0 end) STORED NOT NULL,
	"current_version_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agents_slug_unique" UNIQUE("slug"),
	CONSTRAINT "agents_slug_format" CHECK ("agents"."slug" <> '' and "agents"."slug" !~ '[/[:space:]]'),
	CONSTRAINT "agents_downloads_nonnegative" CHECK ("agents"."downloads" >= 0),
	CONSTRAINT "agents_stars_nonnegative" CHECK ("agents"."stars" >= 0),
	CONSTRAINT "agents_rating_sum_range" CHECK ("agents"."review_count" >= 0 and "agents"."rating_sum" between "agents"."review_count" and 5 * "agents"."review_count"),
	CONSTRAINT "agents_rating_range" CHECK ("agents"."rating" between 0 and 5)
);
--> statement-breakpoint
CREATE TABLE "validation_results" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "validation_results_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"version_id" integer NOT NULL,
	"check_name" text NOT NULL,
	"status" text NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"score" double precision,
	"issues" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "validation_results_version_id_check_name_unique" UNIQUE("version_id","check_name"),
	CONSTRAINT "validation_results_check_name_check" CHECK ("validation_results"."check_name" in ('archive', 'security', 'quality', 'compatibility', 'tests')),
	CONSTRAINT "validation_results_status_check" CHECK ("validation_results"."status" in ('passed', 'failed', 'skipped', 'error')),
	CONSTRAINT "validation_results_duration_nonnegative" CHECK ("validation_results"."duration_ms" >= 0),
	CONSTRAINT "validation_results_issues_array" CHECK (jsonb_typeof("validation_results"."issues") = 'array')
);
--> statement-breakpoint
CREATE TABLE "star_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "star_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"agent_id" integer NOT NULL,
	"user_id" integer,
	"delta" smallint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "star_events_delta_check" CHECK ("star_events"."delta" in (1, -1))
);
--> statement-breakpoint
CREATE TABLE "stars" (
	"user_id" integer NOT NULL,
	"agent_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stars_pkey" PRIMARY KEY("user_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "review_votes" (
	"review_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_votes_pkey" PRIMARY KEY("review_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reviews_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"agent_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"rating" smallint NOT NULL,
	"comment" varchar(5000),
	"helpful_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reviews_agent_id_user_id_unique" UNIQUE("agent_id","user_id"),
	CONSTRAINT "reviews_rating_range" CHECK ("reviews"."rating" between 1 and 5),
	CONSTRAINT "reviews_helpful_count_nonnegative" CHECK ("reviews"."helpful_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "agent_daily_stats" (
	"agent_id" integer NOT NULL,
	"day" date NOT NULL,
	"downloads" integer DEFAULT 0 NOT NULL,
	"stars_added" integer DEFAULT 0 NOT NULL,
	"stars_removed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "agent_daily_stats_pkey" PRIMARY KEY("agent_id","day"),
	CONSTRAINT "agent_daily_stats_nonnegative" CHECK ("agent_daily_stats"."downloads" >= 0 and "agent_daily_stats"."stars_added" >= 0 and "agent_daily_stats"."stars_removed" >= 0)
);
--> statement-breakpoint
CREATE TABLE "agent_trends" (
	"agent_id" integer NOT NULL,
	"timeframe" text NOT NULL,
	"trend_score" double precision NOT NULL,
	"downloads_current" integer DEFAULT 0 NOT NULL,
	"downloads_previous" integer DEFAULT 0 NOT NULL,
	"stars_current" integer DEFAULT 0 NOT NULL,
	"stars_previous" integer DEFAULT 0 NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_trends_pkey" PRIMARY KEY("agent_id","timeframe"),
	CONSTRAINT "agent_trends_timeframe_check" CHECK ("agent_trends"."timeframe" in ('hour', 'day', 'week', 'month')),
	CONSTRAINT "agent_trends_score_range" CHECK ("agent_trends"."trend_score" between 0 and 1)
);
--> statement-breakpoint
CREATE TABLE "download_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "download_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"agent_id" integer NOT NULL,
	"version_id" integer,
	"user_id" integer,
	"ip_hash" varchar(128),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollup_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"last_event_id" bigint,
	"rolled_up_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "storage_deletions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "storage_deletions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"storage_key" text NOT NULL,
	"reason" text NOT NULL,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "storage_deletions_storage_key_unique" UNIQUE("storage_key")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"event" text NOT NULL,
	"url" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"response_status" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "webhook_deliveries_status_check" CHECK ("webhook_deliveries"."status" in ('pending', 'delivered', 'failed')),
	CONSTRAINT "webhook_deliveries_attempts_nonnegative" CHECK ("webhook_deliveries"."attempts" >= 0)
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotated_refresh_tokens" ADD CONSTRAINT "rotated_refresh_tokens_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_versions" ADD CONSTRAINT "agent_versions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_current_version_id_agent_versions_id_fk" FOREIGN KEY ("current_version_id") REFERENCES "public"."agent_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validation_results" ADD CONSTRAINT "validation_results_version_id_agent_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."agent_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "star_events" ADD CONSTRAINT "star_events_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "star_events" ADD CONSTRAINT "star_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stars" ADD CONSTRAINT "stars_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stars" ADD CONSTRAINT "stars_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."reviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_daily_stats" ADD CONSTRAINT "agent_daily_stats_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_trends" ADD CONSTRAINT "agent_trends_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_events" ADD CONSTRAINT "download_events_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_events" ADD CONSTRAINT "download_events_version_id_agent_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."agent_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_events" ADD CONSTRAINT "download_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_lower_unique" ON "users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "users_created_at_idx" ON "users" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "users_last_active_at_idx" ON "users" USING btree ("last_active_at");--> statement-breakpoint
CREATE INDEX "api_tokens_user_id_created_at_idx" ON "api_tokens" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "oauth_states_expires_at_idx" ON "oauth_states" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "rotated_refresh_tokens_session_id_idx" ON "rotated_refresh_tokens" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "sessions_user_id_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sessions_refresh_expires_at_idx" ON "sessions" USING btree ("refresh_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "categories_name_lower_unique" ON "categories" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "agent_versions_semver_idx" ON "agent_versions" USING btree ("agent_id","major","minor","patch");--> statement-breakpoint
CREATE INDEX "agent_versions_unfinished_idx" ON "agent_versions" USING btree ("validation_status","published_at") WHERE "agent_versions"."validation_status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "agent_versions_storage_key_idx" ON "agent_versions" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "agents_created_at_idx" ON "agents" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "agents_downloads_idx" ON "agents" USING btree ("downloads","stars","id");--> statement-breakpoint
CREATE INDEX "agents_stars_idx" ON "agents" USING btree ("stars","id");--> statement-breakpoint
CREATE INDEX "agents_rating_idx" ON "agents" USING btree ("rating","id");--> statement-breakpoint
CREATE INDEX "agents_name_idx" ON "agents" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "agents_category_id_created_at_idx" ON "agents" USING btree ("category_id","created_at");--> statement-breakpoint
CREATE INDEX "agents_author_id_created_at_idx" ON "agents" USING btree ("author_id","created_at");--> statement-breakpoint
CREATE INDEX "agents_current_version_id_idx" ON "agents" USING btree ("current_version_id");--> statement-breakpoint
CREATE INDEX "star_events_agent_id_created_at_idx" ON "star_events" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "star_events_created_at_idx" ON "star_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "star_events_user_id_idx" ON "star_events" USING btree ("user_id") WHERE "star_events"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "stars_user_id_created_at_idx" ON "stars" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "stars_agent_id_created_at_idx" ON "stars" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "review_votes_user_id_idx" ON "review_votes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "reviews_agent_id_helpful_idx" ON "reviews" USING btree ("agent_id","helpful_count","id");--> statement-breakpoint
CREATE INDEX "reviews_agent_id_created_at_idx" ON "reviews" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "reviews_agent_id_rating_idx" ON "reviews" USING btree ("agent_id","rating","id");--> statement-breakpoint
CREATE INDEX "reviews_user_id_created_at_idx" ON "reviews" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_daily_stats_day_idx" ON "agent_daily_stats" USING btree ("day");--> statement-breakpoint
CREATE INDEX "agent_trends_timeframe_score_idx" ON "agent_trends" USING btree ("timeframe","trend_score");--> statement-breakpoint
CREATE INDEX "download_events_agent_id_created_at_idx" ON "download_events" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "download_events_created_at_idx" ON "download_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "download_events_version_id_idx" ON "download_events" USING btree ("version_id") WHERE "download_events"."version_id" is not null;--> statement-breakpoint
CREATE INDEX "download_events_user_id_idx" ON "download_events" USING btree ("user_id") WHERE "download_events"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "storage_deletions_not_before_idx" ON "storage_deletions" USING btree ("not_before");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_user_id_created_at_idx" ON "webhook_deliveries" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_pending_idx" ON "webhook_deliveries" USING btree ("created_at") WHERE "webhook_deliveries"."status" = 'pending';