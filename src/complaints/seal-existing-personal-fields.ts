import { eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { rowsOf, type Tx } from "../db/client.js";
import { complaints, subjects } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { keyOfSubject, newDetachedKey, prepareSubjectKey, storeSubjectKeys, type SubjectKey } from "../platform/subject-keys.js";
import { sealComplaintAnswer, sealComplaintBody } from "./complaint-texts.js";
import { emailIndexOf, externalIdIndexOf } from "../chats/subject-store.js";
import { sealField } from "../platform/subject-keys.js";

export const PERSONAL_FIELDS_SEALED = "data.personal_fields_sealed";

async function hasColumn(tx: Tx, table: string, column: string): Promise<boolean> {
  const rows = rowsOf<{ n: number | string }>(await tx.execute(sql`
    select count(*) as n from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`));
  return Number(rows[0]?.n ?? 0) > 0;
}

interface LegacySubject { id: string; org_id: string; external_id: string | null; email: string | null; display_name: string | null; staff_verified_note: string | null }
interface LegacyComplaint { id: string; org_id: string; subject_id: string | null; body: string | null; answer: string | null }

/**
 * Data migration (issue 18): seals the plaintext that migration 0007 left in place — each subject's
 * address, name, platform id and verification note under a key of their own (created here), and
 * each complaint's text and answer under the complainant's key — then drops the plaintext
 * columns, so nothing readable stays behind in the live tables. Runs once, in one transaction,
 * with one audit entry of counts. Existing audit entries are not rewritten (that would break the
 * hash chain); see the notes of issue 18.
 */
export async function sealExistingPersonalFields(ctx: AppContext, tx: Tx): Promise<void> {
  const counts = { subjects: 0, complaints: 0 };
  if (await hasColumn(tx, "subjects", "email")) {
    // Only rows that still hold plaintext: a row written by today's code (sealed, plaintext null)
    // keeps its sealed fields, so a run that comes late (or again) never blanks them.
    const legacy = rowsOf<LegacySubject>(await tx.execute(sql`select id, org_id, external_id, email, display_name, staff_verified_note from subjects
      where coalesce(external_id, email, display_name, staff_verified_note) is not null`));
    for (const s of legacy) {
      let key: SubjectKey | undefined = await keyOfSubject(tx, ctx.keys, s.id);
      if (!key) {
        const pending = prepareSubjectKey(ctx.keys);
        await storeSubjectKeys(tx, [{ orgId: s.org_id, subjectId: s.id, pending }]);
        key = pending;
      }
      const email = s.email?.trim().toLowerCase() ?? null;
      await tx.update(subjects).set({
        ...(s.external_id !== null && { externalIdEnc: sealField(key, "external_id", s.external_id), externalIdIndex: externalIdIndexOf(ctx.keys, s.external_id) }),
        ...(email !== null && { emailEnc: sealField(key, "email", email), emailIndex: emailIndexOf(ctx.keys, email) }),
        ...(s.display_name !== null && { displayNameEnc: sealField(key, "display_name", s.display_name) }),
        ...(s.staff_verified_note !== null && { staffVerifiedNoteEnc: sealField(key, "staff_verified_note", s.staff_verified_note) }),
      }).where(eq(subjects.id, s.id));
      counts.subjects += 1;
    }
    await tx.execute(sql.raw(`alter table subjects drop column email, drop column display_name, drop column external_id, drop column staff_verified_note`));
  }
  if (await hasColumn(tx, "complaints", "body")) {
    const legacy = rowsOf<LegacyComplaint>(await tx.execute(sql`
      select c.id, c.org_id, r.subject_id, c.body, c.answer from complaints c join requests r on r.id = c.request_id
      where c.body is not null or c.answer is not null`));
    for (const c of legacy) {
      const key = (c.subject_id ? await keyOfSubject(tx, ctx.keys, c.subject_id) : undefined) ?? (await newDetachedKey(tx, ctx.keys, c.org_id));
      await tx.update(complaints).set({
        subjectKeyId: key.id, bodyEnc: sealComplaintBody(key, c.body ?? ""), answerEnc: c.answer === null ? null : sealComplaintAnswer(key, c.answer),
      }).where(eq(complaints.id, c.id));
      counts.complaints += 1;
    }
    await tx.execute(sql.raw(`alter table complaints drop column body, drop column answer`));
  }
  if (counts.subjects + counts.complaints > 0) {
    await appendAudit(tx, ctx, { actor: systemActor, action: PERSONAL_FIELDS_SEALED, details: counts });
  }
}
