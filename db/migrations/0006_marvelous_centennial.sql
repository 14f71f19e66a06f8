CREATE TABLE "admin_login_bindings" (
	"login" text PRIMARY KEY NOT NULL,
	"github_id" bigint NOT NULL,
	"bound_at" timestamp with time zone DEFAULT now() NOT NULL
);
