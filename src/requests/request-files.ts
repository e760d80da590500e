/**
 * Read models for pages owned by other capabilities: the staff request page (status, attempts and
 * the failure code of every export) and the requester's "my requests" page (what can be
 * downloaded now, and until when).
 */
import { and, desc, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { exports, type ExportKind, type ExportStatus } from "../db/schema/index.js";

export interface ExportSummary {
  id: string;
  kind: ExportKind;
  status: ExportStatus;
  attempts: number;
  /** Stable failure code for staff (e.g. storage_error, ready_hook_failed); null unless failed. */
  error: string | null;
  fileName: string | null;
  sizeBytes: number | null;
  verificationCode: string | null;
  createdAt: Date;
  readyAt: Date | null;
  expiresAt: Date | null;
  downloadCount: number;
  maxDownloads: number;
  /** Ready, not expired and downloads left, at `now`. */
  downloadable: boolean;
}

export async function listRequestExports(db: Executor, input: { orgId: string; requestId: string; now: Date }): Promise<ExportSummary[]> {
  const rows = await db
    .select()
    .from(exports)
    .where(and(eq(exports.orgId, input.orgId), eq(exports.requestId, input.requestId)))
    .orderBy(desc(exports.createdAt));
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    error: r.status === "failed" ? r.error : null,
    fileName: r.fileName,
    sizeBytes: r.sizeBytes,
    verificationCode: r.verificationCode,
    createdAt: r.createdAt,
    readyAt: r.readyAt,
    expiresAt: r.expiresAt,
    downloadCount: r.downloadCount,
    maxDownloads: r.maxDownloads,
    downloadable: r.status === "ready" && !!r.expiresAt && r.expiresAt > input.now && r.downloadCount < r.maxDownloads,
  }));
}

/** Where the requester downloads an export (GET, signed in as the request's owner). */
export function downloadPath(reference: string, exportId: string): string {
  return `/requests/${encodeURIComponent(reference)}/download/${encodeURIComponent(exportId)}`;
}
