import { eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { rowsOf, type Tx } from "../db/client.js";
import { requestMessages, requests } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { keyForNewRequest, splitDetails, sealDecisionReason, sealDetails, sealExtensionReason, sealMessageBody } from "./request-texts.js";

export const REQUEST_TEXTS_SEALED = "data.request_texts_sealed";

async function hasColumn(tx: Tx, table: string, column: string): Promise<boolean> {
  const rows = rowsOf<{ n: number | string }>(await tx.execute(sql`
    select count(*) as n from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`));
  return Number(rows[0]?.n ?? 0) > 0;
}

interface LegacyRequest { id: string; org_id: string; subject_id: string | null; details: Record<string, unknown> | null; decision_reason: string | null; extension_reason: string | null }
interface LegacyMessage { id: string; body: string | null }

/**
 * Data migration (issue 18): seals what migration 0012 left in plain text — each request's
 * details, decision and extension reasons and its thread — under the requester's key (the
 * subject's, or a key of the request's own for a receipt-code requester), then drops the
 * plaintext columns. One transaction, one audit entry of counts.
 */
export async function sealExistingRequestTexts(ctx: AppContext, tx: Tx): Promise<void> {
  if (!(await hasColumn(tx, "requests", "decision_reason"))) return;
  const counts = { requests: 0, messages: 0 };
  const legacy = rowsOf<LegacyRequest>(await tx.execute(sql`
    select id, org_id, subject_id, details, decision_reason, extension_reason from requests where subject_key_id is null`));
  for (const r of legacy) {
    const key = await keyForNewRequest(tx, ctx.keys, r.org_id, r.subject_id);
    const { markers, given } = splitDetails(r.details);
    await tx.update(requests).set({
      subjectKeyId: key.id, details: markers, detailsEnc: sealDetails(key, given),
      decisionReasonEnc: sealDecisionReason(key, r.decision_reason), extensionReasonEnc: sealExtensionReason(key, r.extension_reason),
    }).where(eq(requests.id, r.id));
    const messages = rowsOf<LegacyMessage>(await tx.execute(sql`select id, body from request_messages where request_id = ${r.id} and body is not null`));
    for (const m of messages) await tx.update(requestMessages).set({ bodyEnc: sealMessageBody(key, m.body ?? "") }).where(eq(requestMessages.id, m.id));
    counts.requests += 1;
    counts.messages += messages.length;
  }
  // Requests already sealed (written after 0012) have no plaintext; the columns go for all.
  await tx.execute(sql.raw(`alter table requests drop column decision_reason, drop column extension_reason`));
  await tx.execute(sql.raw(`alter table request_messages drop column body`));
  if (counts.requests > 0) await appendAudit(tx, ctx, { actor: systemActor, action: REQUEST_TEXTS_SEALED, details: counts });
}
