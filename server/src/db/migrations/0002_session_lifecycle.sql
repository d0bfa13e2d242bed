ALTER TABLE "sessions" ADD COLUMN "ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "end_snapshot_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "end_snapshot_built_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "resumed_from_session_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "resumed_from_snapshot_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_resumed_from_session_id_sessions_id_fk" FOREIGN KEY ("resumed_from_session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;