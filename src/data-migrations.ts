import type { DataMigration } from "./platform/data-migrations.js";
import { recomputeOpenDueDates } from "./requests/recompute-due-dates.js";

/**
 * Every data migration (code that changes existing rows), applied in this order by
 * bootstrap.ts right after the SQL migrations, each once. Append only: never rename, reorder or
 * remove one that has shipped.
 */
export function dataMigrationDefinitions(): DataMigration[] {
  return [
    // Reg. 1182/71: paused days and the extension count from the unrolled end (issue 19).
    { name: "requests.recompute-due-dates-unrolled-end", run: recomputeOpenDueDates },
  ];
}
