ALTER TABLE "organizations" ADD COLUMN "mail_sender_name" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "minimum_assurance" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "store_ip_addresses" boolean DEFAULT true NOT NULL;