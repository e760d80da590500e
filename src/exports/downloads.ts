/**
 * A requester downloads their own export: ready, not expired, downloads left. The count and the
 * audit entry are written in one transaction with a guarded update, so two simultaneous clicks
 * can never exceed the limit. The file is opened before counting, so a missing file is not
 * counted as a download; nor is a HEAD request, which only asks what a download would be.
 * Files are encrypted at rest, kept wherever this deployment keeps them (platform/blob-store.ts:
 * local files, or rows every instance reads): before counting, a GET authenticates the whole
 * file (a damaged one is refused as missing, never half-served as a success); the download then
 * decrypts as it streams. HEAD checks the file's length only.
 */
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { exports, requests, type ExportKind } from "../db/schema/index.js";
import type { Requester } from "../identity/guards.js";
import { appendAudit } from "../platform/audit.js";
import { NotFoundError } from "../platform/errors.js";
import type { ExportRow } from "./export-row.js";
import { authenticateFile } from "../platform/export-files.js";
import { exportBlobStore, type StoredBlob } from "../platform/blob-store.js";
import { exportContentType } from "./build-export.js";

export type DownloadRefusal = "not_ready" | "expired" | "limit_reached" | "file_missing";

export type DownloadOutcome =
  | { ok: true; file: StoredBlob; key: Buffer; row: ExportRow; fileName: string; contentType: string; sizeBytes: number }
  | { ok: false; reason: DownloadRefusal; row: ExportRow };

const uuid = z.uuid();

/** The export, if it belongs to a request of this requester in this organization; else NotFound. */
export async function findOwnExport(ctx: AppContext, orgId: string, requester: Requester, reference: string, exportId: string) {
  if (!uuid.safeParse(exportId).success) throw new NotFoundError("export");
  const [request] = await ctx.db.select().from(requests).where(and(eq(requests.reference, reference), eq(requests.orgId, orgId)));
  const owns =
    request &&
    ((requester.subjectId !== null && request.subjectId === requester.subjectId) ||
      (requester.conversationId !== null && request.receiptConversationId === requester.conversationId));
  if (!request || !owns) throw new NotFoundError("export");
  const [row] = await ctx.db.select().from(exports).where(and(eq(exports.id, exportId), eq(exports.requestId, request.id)));
  if (!row) throw new NotFoundError("export");
  return { request, row };
}

function refusal(row: ExportRow, now: Date): DownloadRefusal | undefined {
  if (row.status === "expired") return row.downloadCount >= row.maxDownloads ? "limit_reached" : "expired";
  if (row.status !== "ready" || !row.path) return "not_ready";
  if (!row.expiresAt || row.expiresAt <= now) return "expired";
  if (row.downloadCount >= row.maxDownloads) return "limit_reached";
  return undefined;
}

export interface DownloadInput {
  orgId: string;
  requester: Requester;
  reference: string;
  exportId: string;
  ip?: string;
  /** The kinds this route serves: any other is not found (and not counted). */
  kinds?: readonly ExportKind[];
  /** HEAD: the file is opened to answer its headers, but neither counted nor audited. */
  headOnly?: boolean;
}

export async function openExportDownload(ctx: AppContext, input: DownloadInput): Promise<DownloadOutcome> {
  const { request, row } = await findOwnExport(ctx, input.orgId, input.requester, input.reference, input.exportId);
  if (input.kinds && !input.kinds.includes(row.kind)) throw new NotFoundError("export");
  const now = ctx.clock.now();
  const refused = refusal(row, now);
  if (refused) return { ok: false, reason: refused, row };

  const opened_ = await openAuthenticated(ctx, row, !input.headOnly);
  if (!opened_) return { ok: false, reason: "file_missing", row };
  const { file, key } = opened_;
  const opened = async (current: ExportRow): Promise<DownloadOutcome> => ({
    ok: true,
    file,
    key,
    row: current,
    fileName: current.fileName ?? `${request.reference}.${exportContentType(current.kind) === "application/zip" ? "zip" : "pdf"}`,
    contentType: exportContentType(current.kind),
    sizeBytes: current.sizeBytes!,
  });
  try {
    if (input.headOnly) return await opened(row);
    const counted = await ctx.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(exports)
        .set({ downloadCount: sql`${exports.downloadCount} + 1` })
        .where(and(eq(exports.id, row.id), eq(exports.status, "ready"), lt(exports.downloadCount, exports.maxDownloads), gt(exports.expiresAt, now)))
        .returning();
      if (!updated) return undefined;
      await appendAudit(tx, ctx, {
        orgId: row.orgId,
        actor: { type: "subject", id: input.requester.subjectId, role: input.requester.assurance },
        action: "export.downloaded",
        target: { type: "export", id: row.id },
        subjectId: request.subjectId,
        ip: input.ip,
        details: { kind: row.kind, reference: request.reference, download: updated.downloadCount, of: updated.maxDownloads },
      });
      return updated;
    });
    if (!counted) {
      await file.close();
      const [latest] = await ctx.db.select().from(exports).where(eq(exports.id, row.id));
      return { ok: false, reason: refusal(latest ?? row, now) ?? "limit_reached", row: latest ?? row };
    }
    return await opened(counted);
  } catch (err) {
    await file.close().catch(() => undefined);
    throw err;
  }
}

/** The opened file and its key, once its length (and on `full`, every chunk) checks out; else undefined. */
async function openAuthenticated(ctx: AppContext, row: ExportRow, full: boolean): Promise<{ file: StoredBlob; key: Buffer } | undefined> {
  if (!row.fileKeyWrapped || row.sizeBytes === null) {
    ctx.logger.error({ exportId: row.id }, "export has no file key");
    return undefined;
  }
  const file = await exportBlobStore(ctx).open(row.path!).catch(() => undefined);
  if (!file) {
    ctx.logger.error({ exportId: row.id }, "export file missing");
    return undefined;
  }
  try {
    const key = ctx.keys.unwrapDataKey(row.fileKeyWrapped);
    await authenticateFile(file, key, row.id, row.sizeBytes, full);
    return { file, key };
  } catch (err) {
    await file.close().catch(() => undefined);
    ctx.logger.error({ exportId: row.id, err: (err as Error).name }, "export file failed authentication");
    return undefined;
  }
}
