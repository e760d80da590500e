import { eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { rowsOf, type Tx } from "../db/client.js";
import { outbox } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { sealOutboxRow } from "../platform/outbox.js";
import { blindIndexOf, keyOfSubject, type SubjectKey } from "../platform/subject-keys.js";

export const OUTBOX_SEALED = "data.outbox_sealed";

interface LegacyRow { id: string; org_id: string | null; kind: string; recipient: string | null; payload: Record<string, unknown> | null }

async function hasColumn(tx: Tx, table: string, column: string): Promise<boolean> {
  const rows = rowsOf<{ n: number | string }>(await tx.execute(sql`
    select count(*) as n from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`));
  return Number(rows[0]?.n ?? 0) > 0;
}

/** The key of the organization's subject with this address (the same blind index sign-in uses), if any. */
async function requesterKey(ctx: AppContext, tx: Tx, row: LegacyRow): Promise<SubjectKey | undefined> {
  if (row.kind !== "email" || !row.org_id || !row.recipient) return undefined;
  const index = blindIndexOf(ctx.keys, "email", row.recipient.trim().toLowerCase());
  const [subject] = rowsOf<{ id: string }>(await tx.execute(sql`select id from subjects where org_id = ${row.org_id} and email_index = ${index}`));
  return subject ? keyOfSubject(tx, ctx.keys, subject.id) : undefined;
}

/**
 * Data migration (issue 18): seals what migration 0016 left in plain text — each outbox row's
 * recipient and payload — under the requester's key when the address is a subject's, else under a
 * key of the row's own; then drops the plaintext columns. One transaction, one audit entry of counts.
 */
export async function sealExistingOutboxRows(ctx: AppContext, tx: Tx): Promise<void> {
  if (!(await hasColumn(tx, "outbox", "recipient"))) return;
  const counts = { requester: 0, other: 0 };
  const legacy = rowsOf<LegacyRow>(await tx.execute(sql`
    select id, org_id, kind, recipient, payload from outbox where recipient is not null and recipient_enc is null`));
  for (const row of legacy) {
    const subjectKey = await requesterKey(ctx, tx, row);
    await tx.update(outbox).set(sealOutboxRow(ctx.keys, row.id, { recipient: row.recipient!, payload: row.payload ?? {}, subjectKey })).where(eq(outbox.id, row.id));
    counts[subjectKey ? "requester" : "other"] += 1;
  }
  await tx.execute(sql.raw(`alter table outbox drop column recipient, drop column payload`));
  if (legacy.length > 0) await appendAudit(tx, ctx, { actor: systemActor, action: OUTBOX_SEALED, details: counts });
}
