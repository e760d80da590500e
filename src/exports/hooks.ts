/**
 * Seams for other capabilities. The requests capability pushes into `exportReadyHooks` to move
 * its request forward (e.g. tell the requester, complete the request); hooks run inside the
 * transaction that marks the export ready, so "ready" and its consequences commit together, and a
 * hook that throws rolls the export back to a retried failure instead of half-finishing it.
 */
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import type { exports } from "../db/schema/index.js";

export type ExportRow = typeof exports.$inferSelect;

export type ExportReadyHook = (tx: Tx, ctx: AppContext, exportRow: ExportRow) => Promise<void>;

/** Called, in order, in the transaction that marks an export ready. */
export const exportReadyHooks: ExportReadyHook[] = [];

export interface BuiltFile {
  exportId: string;
  kind: ExportRow["kind"];
  /** The fsynced temporary file, not yet under its final name. */
  tmpPath: string;
  sha256: string;
  sizeBytes: number;
}

export type ExportBeforePublishHook = (ctx: AppContext, file: BuiltFile) => Promise<void>;

/**
 * Called after a file is completely written and before it is renamed into place (e.g. a size or
 * malware check). A hook that throws fails this attempt; the job runner retries it.
 */
export const exportBeforePublishHooks: ExportBeforePublishHook[] = [];
