import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { exports } from "../db/schema/index.js";
import type { Requester } from "../identity/guards.js";
import { appendAudit } from "../platform/audit.js";
import { enqueueJob } from "../platform/jobs.js";
import { DEFAULT_MAX_DOWNLOADS } from "../exports/build-export.js";
import type { ExportRow } from "../exports/export-row.js";
import { BUILD_JOB, buildJobKey } from "../exports/queue-export.js";
import type { RequestRow } from "../requests/change-status.js";
import { lockRequest } from "../requests/change-status.js";
import { getMyRequest } from "../requests/requester-queries.js";
import { dossierFileName, type DossierFormat } from "./build-dossier.js";
import { requesterActor, type MyRequestRef } from "./file-complaint.js";

/** Inserts one dossier export and its build job, audited, in the caller's transaction (like exports/queue-export.ts). */
async function queueDossierFile(tx: Tx, ctx: AppContext, requester: Requester, request: RequestRow, format: DossierFormat): Promise<ExportRow> {
  const [row] = await tx
    .insert(exports)
    .values({ orgId: request.orgId, requestId: request.id, kind: "dossier", status: "pending", fileName: dossierFileName(request.reference, format), maxDownloads: DEFAULT_MAX_DOWNLOADS, createdAt: ctx.clock.now() })
    .returning();
  await enqueueJob(tx, BUILD_JOB, { exportId: row!.id }, { uniqueKey: buildJobKey(row!.id), runAt: ctx.clock.now() });
  await appendAudit(tx, ctx, {
    orgId: request.orgId, actor: requesterActor(requester), action: "export.queued", target: { type: "export", id: row!.id }, subjectId: request.subjectId,
    details: { kind: "dossier", format, reference: request.reference },
  });
  return row!;
}

/**
 * The requester asks for a complaint dossier about one of their requests: a PDF and a ZIP (the
 * PDF with the originals), built by the export job and downloaded from the complaint page. While
 * one is still being built, asking again adds nothing.
 */
export async function requestDossier(ctx: AppContext, requester: Requester, { org, reference }: MyRequestRef): Promise<{ queued: ExportRow[] }> {
  const mine = await getMyRequest(ctx, org.id, requester, reference);
  return ctx.db.transaction(async (tx) => {
    const request = await lockRequest(tx, mine.id, org.id);
    const pending = await tx
      .select({ id: exports.id })
      .from(exports)
      .where(and(eq(exports.orgId, org.id), eq(exports.requestId, request.id), eq(exports.kind, "dossier"), inArray(exports.status, ["pending", "building"])));
    if (pending.length > 0) return { queued: [] };
    return { queued: [await queueDossierFile(tx, ctx, requester, request, "pdf"), await queueDossierFile(tx, ctx, requester, request, "zip")] };
  });
}
