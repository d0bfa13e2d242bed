CREATE TABLE "blueprint_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"repo" text NOT NULL,
	"state" text NOT NULL,
	"blueprint" jsonb NOT NULL,
	"goal" text NOT NULL,
	"started_by_id" text NOT NULL,
	"started_by_name" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"session_url" text NOT NULL,
	"engine" jsonb NOT NULL,
	"node_records" jsonb NOT NULL,
	"actors" jsonb NOT NULL,
	"commit" jsonb,
	"ship" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "blueprint_runs" ADD CONSTRAINT "blueprint_runs_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "blueprint_runs_session_idx" ON "blueprint_runs" USING btree ("session_id","started_at");--> statement-breakpoint
CREATE INDEX "blueprint_runs_state_idx" ON "blueprint_runs" USING btree ("state");