CREATE TABLE "request_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"mailed" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "reopened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "reopened_by" uuid;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "legal_ground_law" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "extension_kind" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "identity_check_method" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "identity_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "identity_checked_by" uuid;--> statement-breakpoint
ALTER TABLE "request_notices" ADD CONSTRAINT "request_notices_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_notices_request" ON "request_notices" USING btree ("request_id","created_at");--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_reopened_by_staff_users_id_fk" FOREIGN KEY ("reopened_by") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_identity_checked_by_staff_users_id_fk" FOREIGN KEY ("identity_checked_by") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;