import type { DataMigration } from "./platform/data-migrations.js";
import { recomputeOpenDueDates } from "./requests/recompute-due-dates.js";
import { sealExistingPersonalFields } from "./complaints/seal-existing-personal-fields.js";
import { encryptExistingExportFiles } from "./exports/encrypt-existing-files.js";
import { sealExistingRequestTexts } from "./requests/seal-existing-request-texts.js";
import { sealExistingOutboxRows } from "./mail/seal-existing-outbox.js";

/**
 * Every data migration (code that changes existing rows), applied in this order by
 * bootstrap.ts right after the SQL migrations, each once. Append only: never rename, reorder or
 * remove one that has shipped.
 */
export function dataMigrationDefinitions(): DataMigration[] {
  return [
    // Reg. 1182/71: paused days and the extension count from the unrolled end (issue 19).
    { name: "requests.recompute-due-dates-unrolled-end", run: recomputeOpenDueDates },
    // Issue 18: subjects' profiles and complaint texts sealed under each person's key.
    { name: "subjects.seal-personal-fields", run: sealExistingPersonalFields },
    // Issue 18: export files written before encryption at rest, encrypted in place.
    { name: "exports.encrypt-existing-files", run: encryptExistingExportFiles },
    // Issue 18: request details, reasons and threads sealed under each requester's key.
    { name: "requests.seal-texts", run: sealExistingRequestTexts },
    // Issue 18: the outbox's recipients and payloads sealed (a requester's under their key).
    { name: "outbox.seal-rows", run: sealExistingOutboxRows },
  ];
}
