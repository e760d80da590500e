CREATE TABLE "export_blob_chunks" (
	"blob_id" text NOT NULL,
	"idx" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	"written_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "export_blob_chunks_blob_id_idx_pk" PRIMARY KEY("blob_id","idx")
);
--> statement-breakpoint
CREATE INDEX "export_blob_chunks_prefix" ON "export_blob_chunks" USING btree ("blob_id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "export_blob_chunks_first_written" ON "export_blob_chunks" USING btree ("written_at") WHERE "export_blob_chunks"."idx" = 0;--> statement-breakpoint
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE "export_blob_chunks" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;
