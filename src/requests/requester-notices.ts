import { asc, eq } from "drizzle-orm";
import type { Executor, Tx } from "../db/client.js";
import { requestNotices } from "../db/schema/index.js";

/** Every kind of notice a requester is sent about a request. */
export const noticeKinds = ["info_requested", "identity_requested", "extended", "approved", "rejected", "reopened", "completed", "message", "export_ready"] as const;
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
