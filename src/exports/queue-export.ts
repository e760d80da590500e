/**
 * queueExport: the entry point for the requests capability. Inserts the export row and its build
 * job in the caller's transaction, so a request that commits always has its export on the way and
 * one that rolls back leaves neither.
 */
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { exports, jobs, requests, type ExportKind } from "../db/schema/index.js";
import { appendAudit, systemActor, type Actor } from "../platform/audit.js";
import { enqueueJob } from "../platform/jobs.js";
import { ConflictError, NotFoundError, ValidationError } from "../platform/errors.js";
import type { Tx } from "../db/client.js";
import { DEFAULT_MAX_DOWNLOADS } from "./build-export.js";
import type { ExportRow } from "./export-row.js";

export const BUILD_JOB = "exports.build";
export const EXPIRE_JOB = "exports.expire";

/** "dossier" is queued by complaints/request-dossier.ts with a file name (PDF or ZIP), never through queueExport. */
export const queueableExportKinds = ["access_zip", "export_json", "police_pdf"] as const;
export type QueueableExportKind = (typeof queueableExportKinds)[number];

export function buildJobKey(exportId: string): string {
  return `export:${exportId}`;
}

export interface QueueExportInput {
  requestId: string;
  kind: QueueableExportKind;
  /** Defaults to 5. */
  maxDownloads?: number;
  /** Who asked for it (a DPO approving the request); the system by default. */
  actor?: Actor;
}

export async function queueExport(tx: Tx, ctx: AppContext, input: QueueExportInput): Promise<ExportRow> {
  if (!(queueableExportKinds as readonly string[]).includes(input.kind)) throw new ValidationError({ kind: "platform.errors.choose" });
  const maxDownloads = input.maxDownloads ?? DEFAULT_MAX_DOWNLOADS;
  if (!Number.isInteger(maxDownloads) || maxDownloads < 1) throw new ValidationError({ maxDownloads: "platform.errors.format" });
  const [request] = await tx.select().from(requests).where(eq(requests.id, input.requestId));
  if (!request) throw new NotFoundError("request");
  const [row] = await tx
    .insert(exports)
    .values({ orgId: request.orgId, requestId: request.id, kind: input.kind as ExportKind, status: "pending", maxDownloads })
    .returning();
  await enqueueJob(tx, BUILD_JOB, { exportId: row!.id }, { uniqueKey: buildJobKey(row!.id), runAt: ctx.clock.now() });
  await appendAudit(tx, ctx, {
    orgId: request.orgId,
    actor: input.actor ?? systemActor,
    action: "export.queued",
    target: { type: "export", id: row!.id },
    subjectId: request.subjectId,
    details: { kind: input.kind, reference: request.reference },
  });
  return row!;
}

/**
 * Staff: build a failed export again after the job runner gave up (e.g. the disk was full).
 * Re-arms the export's own job rather than adding a second one.
 */
export async function retryExport(tx: Tx, ctx: AppContext, input: { exportId: string; orgId: string; actor: Actor }): Promise<ExportRow> {
  const [row] = await tx
    .update(exports)
    .set({ status: "pending", error: null })
    .where(and(eq(exports.id, input.exportId), eq(exports.orgId, input.orgId), eq(exports.status, "failed")))
    .returning();
  if (!row) throw new ConflictError("export_not_failed");
  const now = ctx.clock.now();
  const rearmed = await tx
    .update(jobs)
    .set({ status: "queued", attempts: 0, runAt: now, lockedBy: null, lockedUntil: null, lastError: null, finishedAt: null })
    .where(eq(jobs.uniqueKey, buildJobKey(row.id)))
    .returning({ id: jobs.id });
  if (rearmed.length === 0) await enqueueJob(tx, BUILD_JOB, { exportId: row.id }, { uniqueKey: buildJobKey(row.id), runAt: now });
  await appendAudit(tx, ctx, {
    orgId: row.orgId,
    actor: input.actor,
    action: "export.retried",
    target: { type: "export", id: row.id },
    details: { kind: row.kind, previousAttempts: row.attempts },
  });
  return row;
}
