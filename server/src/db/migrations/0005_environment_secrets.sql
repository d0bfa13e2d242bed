CREATE TABLE "environment_secrets" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"repo" text NOT NULL,
	"name" text NOT NULL,
	"nonce" "bytea" NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"key_id" text NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "environment_secrets_scope_repo_name_idx" ON "environment_secrets" USING btree ("scope","repo","name");