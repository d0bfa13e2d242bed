CREATE TABLE "environment_approvals" (
	"repo" text NOT NULL,
	"content_hash" text NOT NULL,
	"approved_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "environment_approvals_repo_content_hash_approved_by_pk" PRIMARY KEY("repo","content_hash","approved_by")
);
--> statement-breakpoint
CREATE TABLE "network_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"session_id" text,
	"phase" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"allowed" boolean NOT NULL,
	"reason" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"first_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_network_hosts" (
	"session_id" text NOT NULL,
	"host" text NOT NULL,
	"opened_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_network_hosts_session_id_host_pk" PRIMARY KEY("session_id","host")
);
--> statement-breakpoint
ALTER TABLE "environment_approvals" ADD CONSTRAINT "environment_approvals_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "network_attempts" ADD CONSTRAINT "network_attempts_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_network_hosts" ADD CONSTRAINT "session_network_hosts_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_network_hosts" ADD CONSTRAINT "session_network_hosts_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "network_attempts_key_idx" ON "network_attempts" USING btree ("scope","phase","host","port","allowed");