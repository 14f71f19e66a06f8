DROP INDEX "agents_search_vector_idx";--> statement-breakpoint
ALTER TABLE "agents" drop column "search_vector";--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B') || setweight(to_tsvector('simple', coalesce(search_keywords, '')), 'B')) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "agents_search_vector_gin_idx" ON "agents" USING gin ("search_vector");