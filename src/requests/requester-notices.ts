import { asc, eq } from "drizzle-orm";
import type { Executor, Tx } from "../db/client.js";
import { emailOfSubject } from "../chats/subject-store.js";
import { requestNotices } from "../db/schema/index.js";
import type { KeyRing } from "../platform/crypto.js";

/** Every kind of notice a requester is sent about a request. */
export const noticeKinds = ["info_requested", "identity_requested", "extended", "approved", "rejected", "reopened", "completed", "message", "export_ready", "complaint_answered"] as const;
export type NoticeKind = (typeof noticeKinds)[number];

/**
 * Records that the requester was told something, whether or not an e-mail goes with it: the
 * status page shows each notice as a banner, so a receipt-code requester without an address
 * learns of every question, identity request, extension, decision and result. Kinds, dates and
 * reason kinds only: the words are the thread message posted with it.
 */
export async function recordNotice(tx: Tx, now: Date, requestId: string, kind: NoticeKind, opts: { data?: Record<string, string>; mailed: boolean }): Promise<void> {
  await tx.insert(requestNotices).values({ requestId, kind, data: opts.data ?? {}, mailed: opts.mailed ? 1 : 0, createdAt: now });
}

export type RequesterNotice = typeof requestNotices.$inferSelect;

/** The notices of one request, oldest first. */
export async function noticesOf(db: Executor, requestId: string): Promise<RequesterNotice[]> {
  return db.select().from(requestNotices).where(eq(requestNotices.requestId, requestId)).orderBy(asc(requestNotices.createdAt), asc(requestNotices.id));
}

/**
 * The notices the status page shows as banners, newest first: those no e-mail carried (a
 * receipt-code requester without an address gets every one of them here).
 */
export async function bannersFor(db: Executor, r: { id: string }): Promise<RequesterNotice[]> {
  return (await noticesOf(db, r.id)).filter((n) => n.mailed === 0).reverse();
}

/** Whether notices about this request can reach the requester by e-mail at all. */
export async function requesterHasEmail(db: Executor, keys: KeyRing, r: { subjectId: string | null }, requester: { email: string | null }): Promise<boolean> {
  return !!requester.email || !!(await emailOfSubject(db, keys, r.subjectId));
}
