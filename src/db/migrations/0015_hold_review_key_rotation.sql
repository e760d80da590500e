CREATE TABLE "wrapped_root_keys" (
	"purpose" text PRIMARY KEY NOT NULL,
	"wrapped_key" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "legal_hold_review_on" date;--> statement-breakpoint
-- Holds set before review dates existed fall due in 30 days, so a DPO reviews each one soon.
UPDATE "conversations" SET "legal_hold_review_on" = (current_date + 30) WHERE "legal_hold_at" IS NOT NULL AND "legal_hold_review_on" IS NULL;
