CREATE TABLE "eid_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"identifier_index" text NOT NULL,
	"subject_id" uuid,
	"linked_by" text,
	"linked_at" timestamp with time zone,
	"name_enc" text,
	"data_key_id" uuid,
	"provider" text NOT NULL,
	"last_acr" text,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eid_identities_org_index" UNIQUE("org_id","identifier_index")
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "eid_config" jsonb;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "signed_in_with" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "eid_identity_id" uuid;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "eid_provider" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "eid_identity_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "stepped_up_from" text;--> statement-breakpoint
ALTER TABLE "eid_identities" ADD CONSTRAINT "eid_identities_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eid_identities" ADD CONSTRAINT "eid_identities_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eid_identities" ADD CONSTRAINT "eid_identities_data_key_id_data_keys_id_fk" FOREIGN KEY ("data_key_id") REFERENCES "public"."data_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "eid_identities_subject" ON "eid_identities" USING btree ("subject_id");