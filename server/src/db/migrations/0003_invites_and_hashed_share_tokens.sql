CREATE TABLE "invite_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"redeemed_at" timestamp with time zone,
	"redeemed_by" text,
	CONSTRAINT "invite_codes_code_hash_unique" UNIQUE("code_hash")
);
--> statement-breakpoint
-- Share-link tokens were stored raw; from now on the column holds their SHA-256 (hex), so a copy of the
-- database opens no session. sha256() is built into PostgreSQL 11+ and PGlite (no pgcrypto needed).
UPDATE "share_links" SET "token" = encode(sha256(convert_to("token", 'UTF8')), 'hex');
