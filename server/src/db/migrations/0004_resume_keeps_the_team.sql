ALTER TABLE "share_links" ADD COLUMN "join_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "carried_from_session_id" text;--> statement-breakpoint
ALTER TABLE "share_links" ADD CONSTRAINT "share_links_carried_from_session_id_sessions_id_fk" FOREIGN KEY ("carried_from_session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Links made before joins were counted start from the people who are members through them now.
UPDATE "share_links" SET "join_count" = (SELECT count(*) FROM "session_members" WHERE "session_members"."link_id" = "share_links"."id");
