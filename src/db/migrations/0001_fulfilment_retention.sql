CREATE TABLE "ingest_tombstones" (
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"external_id_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_tombstones_org_id_kind_external_id_hash_pk" PRIMARY KEY("org_id","kind","external_id_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_anchors" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"removed_count" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "staff_users" ADD COLUMN "locale" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "research_objection_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ingest_tombstones" ADD CONSTRAINT "ingest_tombstones_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_org_category" UNIQUE("org_id","category");