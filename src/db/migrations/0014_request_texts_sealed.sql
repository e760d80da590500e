ALTER TABLE "request_messages" ADD COLUMN "body_enc" "bytea";--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "subject_key_id" uuid;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "details_enc" "bytea";--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "extension_reason_enc" "bytea";--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "decision_reason_enc" "bytea";--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_subject_key_id_subject_keys_id_fk" FOREIGN KEY ("subject_key_id") REFERENCES "public"."subject_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- The plaintext columns stay until the data migration "requests.seal-texts" (src/data-migrations.ts)
-- has sealed their values under each requester's key; it drops them.
ALTER TABLE "request_messages" ALTER COLUMN "body" DROP NOT NULL;
