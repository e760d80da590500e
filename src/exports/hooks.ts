/**
 * Seams for the capabilities above exports, filled by src/jobs.ts (registerCapabilityHooks), never
 * by a side effect of an import. Fulfilment pushes into `exportReadyHooks` to move its request
 * forward (complete it, tell the requester); hooks run inside the transaction that marks the
 * export ready, so "ready" and its consequences commit together, and a hook that throws rolls the
 * export back to a retried failure instead of half-finishing it. Complaints supplies the writer
 * of the one kind exports cannot write itself, the complaint dossier.
 */
import type { Writable } from "node:stream";
import type { StoredBlob } from "../platform/blob-store.js";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import type { ExportRow } from "./export-row.js";
import type { ManifestBody } from "./manifest.js";
import type { PackageInput } from "./zip-package.js";
import type { WithheldItem } from "./package-data.js";


export type ExportReadyHook = (tx: Tx, ctx: AppContext, exportRow: ExportRow) => Promise<void>;

/** Called, in order, in the transaction that marks an export ready. */
export const exportReadyHooks: ExportReadyHook[] = [];

export interface BuiltFile {
  exportId: string;
  kind: ExportRow["kind"];
  /** The written blob, not yet published: ciphertext (stream-crypto.ts). */
  open(): Promise<StoredBlob | undefined>;
  sha256: string;
  sizeBytes: number;
}

export type ExportBeforePublishHook = (ctx: AppContext, file: BuiltFile) => Promise<void>;

/**
 * Called after a file is completely written and before it is renamed into place (e.g. a size or
 * malware check). A hook that throws fails this attempt; the job runner retries it.
 */
export const exportBeforePublishHooks: ExportBeforePublishHook[] = [];

/** A stream that hashes and counts what passes through it (storage.ts HashingStream). */
export type HashingOut = Writable & { digest(): string; bytes: number };

/** What a writer hands back: the signed manifest and what it left out. */
export interface WrittenPackage {
  manifest: ManifestBody;
  signature: string;
  withheld: WithheldItem[];
}

/** Writes one kind of export that another capability knows how to build. */
export interface ExportWriter {
  /** The file's format (its extension), which may depend on what was asked for. */
  extension(row: Pick<ExportRow, "fileName">): "pdf" | "zip";
  /** Writes the whole file into `out` (ending it); `written` resolves once it is stored. */
  write(input: PackageInput, out: HashingOut, written: Promise<void>): Promise<WrittenPackage>;
}

/** Writers for the kinds built outside exports: today the complaint dossier. */
export const exportWriters: Partial<Record<ExportRow["kind"], ExportWriter>> = {};
