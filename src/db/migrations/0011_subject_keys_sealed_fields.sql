CREATE TABLE "subject_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"subject_id" uuid,
	"wrapped_key" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subject_keys_subject_id_unique" UNIQUE("subject_id")
);
--> statement-breakpoint
ALTER TABLE "subjects" DROP CONSTRAINT "subjects_org_external";--> statement-breakpoint
ALTER TABLE "subjects" DROP CONSTRAINT "subjects_org_email";--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "external_id_enc" "bytea";--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "external_id_index" text;--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "email_enc" "bytea";--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "email_index" text;--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "display_name_enc" "bytea";--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "staff_verified_note_enc" "bytea";--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "subject_key_id" uuid;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "body_enc" "bytea";--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "answer_enc" "bytea";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "details_enc" "bytea";--> statement-breakpoint
ALTER TABLE "subject_keys" ADD CONSTRAINT "subject_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subject_keys" ADD CONSTRAINT "subject_keys_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_subject_key_id_subject_keys_id_fk" FOREIGN KEY ("subject_key_id") REFERENCES "public"."subject_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- The plaintext columns stay until the data migration "subjects.seal-personal-fields"
-- (src/data-migrations.ts) has sealed their values under each subject's key; it drops them.
ALTER TABLE "complaints" ALTER COLUMN "body" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_org_external_index" UNIQUE("org_id","external_id_index");--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_org_email_index" UNIQUE("org_id","email_index");