/**
 * Access, export and police-transcript requests are fulfilled by the exports capability: the
 * approval moves the request to in_progress and queues its export in the same transaction; when
 * the package is ready, a ready hook (run in the transaction that marks it ready) completes the
 * request and tells the requester to sign in and download it — never a link with a token, never
 * an attachment.
 */
import { emailOfSubject } from "../chats/subject-store.js";
import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { requests, subjects, type RequestType } from "../db/schema/index.js";
import { exportReadyHooks, type ExportReadyHook } from "../exports/hooks.js";
import { queueExport, type QueueableExportKind } from "../exports/queue-export.js";
import { recordNotice } from "../requests/requester-notices.js";
import { queueMail } from "../mail/queue-mail.js";
import { systemActor, type Actor } from "../platform/audit.js";
import { changeStatus, type RequestRow } from "../requests/change-status.js";
import { localDate } from "../requests/deadlines.js";
import { organizationOf } from "./db-util.js";
import { asJson, readResult, type FulfilmentResult } from "../requests/result.js";

export const exportKindFor: Partial<Record<RequestType, QueueableExportKind>> = {
  access: "access_zip",
  export: "export_json",
  police_transcript: "police_pdf",
};

export function handsOverToExports(type: string): boolean {
  return type in exportKindFor;
}

/** approved → in_progress, with the export queued in the same transaction. */
export async function handOverToExports(tx: Tx, ctx: AppContext, actor: Actor, r: RequestRow): Promise<RequestRow> {
  const kind = exportKindFor[r.type]!;
  const started = await changeStatus(tx, ctx, actor, r, { to: "in_progress", kind: "in_progress", expectedFrom: "approved" });
  const queued = await queueExport(tx, ctx, { requestId: r.id, kind, actor });
  const result: FulfilmentResult = {
    fulfilment: "export", startedAt: ctx.clock.now().toISOString(), completedAt: null, by: { type: actor.type, id: actor.id ?? null },
    export: { id: queued.id, kind, verificationCode: null, readyAt: null }, kept: [], recipients: [],
  };
  const [updated] = await tx.update(requests).set({ result: asJson(result) }).where(eq(requests.id, started.id)).returning();
  return updated!;
}

/**
 * The ready hook: completes the request its approval handed over (only that export, only while
 * in progress, so a retried or unrelated export changes nothing) and queues "your package is ready".
 */
export const completeOnExportReady: ExportReadyHook = async (tx, ctx, exportRow) => {
  if (!exportRow.requestId) return;
  const [r] = await tx.select().from(requests).where(eq(requests.id, exportRow.requestId)).for("update");
  const result = r ? readResult(r) : undefined;
  if (!r || r.status !== "in_progress" || result?.fulfilment !== "export" || result.export?.id !== exportRow.id) return;
  const now = ctx.clock.now();
  const done: FulfilmentResult = {
    ...result, completedAt: now.toISOString(),
    export: { ...result.export, verificationCode: exportRow.verificationCode, readyAt: (exportRow.readyAt ?? now).toISOString() },
  };
  await changeStatus(tx, ctx, systemActor, r, { to: "completed", kind: "completed", set: { completedAt: now, result: asJson(done) } });
  const email = await emailOfSubject(tx, ctx.keys, r.subjectId);
  await recordNotice(tx, now, r.id, "export_ready", { mailed: !!email });
  if (!email) return; // a receipt-code requester sees it on the request page, as a banner
  const org = await organizationOf(tx, r.orgId);
  await queueMail(tx, ctx, {
    orgId: r.orgId, to: email, subjectId: r.subjectId, template: "package_ready", locale: r.locale, requestId: r.id, dedupeKey: `package-ready:${exportRow.id}`,
    data: {
      reference: r.reference, orgName: org.name, requestUrl: `${ctx.config.BASE_URL}/requests/${r.reference}`,
      expiresOn: localDate(exportRow.expiresAt ?? now, org.timeZone),
    },
  });
};

/** Idempotent: the hook list is module state that tests reset, so callers may register again. */
export function registerExportHandover(): void {
  if (!exportReadyHooks.includes(completeOnExportReady)) exportReadyHooks.push(completeOnExportReady);
}
