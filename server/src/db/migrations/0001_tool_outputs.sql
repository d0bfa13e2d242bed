CREATE TABLE "tool_outputs" (
	"session_id" text NOT NULL,
	"tool_use_id" text NOT NULL,
	"output" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tool_outputs_session_id_tool_use_id_pk" PRIMARY KEY("session_id","tool_use_id")
);
--> statement-breakpoint
ALTER TABLE "tool_outputs" ADD CONSTRAINT "tool_outputs_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;