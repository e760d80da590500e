import type { Executor } from "../db/client.js";
import type { complaints } from "../db/schema/index.js";
import type { KeyRing } from "../platform/crypto.js";
import { keyOfSubject, keysById, newDetachedKey, openField, sealField, type SubjectKey } from "../platform/subject-keys.js";

/**
 * A complaint's text and its answer are the complainant's personal data: sealed under their key
 * (the subject's, or for a receipt-code requester a key of their own), so erasure shreds them.
 * Everything else in complaints/ sees `ComplaintRow`, the opened row.
 */
export type ComplaintRecord = typeof complaints.$inferSelect;
export type ComplaintRow = Omit<ComplaintRecord, "bodyEnc" | "answerEnc"> & { body: string; answer: string | null };

/** The key a new complaint about this request is sealed under. */
export async function complaintKeyFor(db: Executor, keys: KeyRing, request: { orgId: string; subjectId: string | null }): Promise<SubjectKey> {
  const own = request.subjectId ? await keyOfSubject(db, keys, request.subjectId) : undefined;
  return own ?? newDetachedKey(db, keys, request.orgId);
}

export const sealComplaintBody = (key: SubjectKey, body: string) => sealField(key, "complaint-body", body);
export const sealComplaintAnswer = (key: SubjectKey, answer: string) => sealField(key, "complaint-answer", answer);

export function openComplaint(row: ComplaintRecord, key: SubjectKey | undefined): ComplaintRow {
  const { bodyEnc, answerEnc, ...rest } = row;
  return { ...rest, body: openField(key, "complaint-body", bodyEnc) ?? "", answer: openField(key, "complaint-answer", answerEnc) };
}

export async function openComplaints(db: Executor, keys: KeyRing, rows: ComplaintRecord[]): Promise<ComplaintRow[]> {
  const ks = await keysById(db, keys, rows.map((r) => r.subjectKeyId));
  return rows.map((r) => openComplaint(r, r.subjectKeyId ? ks.get(r.subjectKeyId) : undefined));
}

export async function openOne(db: Executor, keys: KeyRing, row: ComplaintRecord | undefined): Promise<ComplaintRow | undefined> {
  return row ? (await openComplaints(db, keys, [row]))[0] : undefined;
}
