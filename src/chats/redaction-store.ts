/**
 * Redactions of a package, sealed under the conversation's data key like the text they cover:
 * the offsets, the entity kind and the covered text never sit in plain columns. Erasing the
 * conversation (its key destroyed) makes them unreadable with the rest of its content.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { packageRedactions, type RedactionItemType } from "../db/schema/index.js";
import { openText, seal, type KeyRing } from "../platform/crypto.js";
import { conversationKeys, type Conversation } from "./conversation-store.js";

/** What is sealed: where the span is and what it covers; empty for a whole item. */
export interface RedactionDetail {
  start?: number;
  end?: number;
  kind?: string;
  text?: string;
}

export interface Redaction extends RedactionDetail {
  id: string;
  conversationId: string;
  itemType: RedactionItemType;
  itemId: string;
  whole: boolean;
  origin: "suggested" | "added";
  reason: string;
}

export interface NewRedaction extends RedactionDetail {
  itemType: RedactionItemType;
  itemId: string;
  whole: boolean;
  origin: "suggested" | "added";
  reason: string;
}

const aad = (conversationId: string) => `${conversationId}:redaction`;

/** Replaces the redactions of some items of one conversation (a saved review page) with `next`. */
export async function replaceRedactions(
  db: Executor,
  key: Buffer,
  scope: { reviewId: string; orgId: string; conversationId: string; createdBy: string },
  items: { itemType: RedactionItemType; itemId: string }[],
  next: NewRedaction[],
): Promise<void> {
  for (const type of ["message", "note"] as const) {
    const ids = items.filter((i) => i.itemType === type).map((i) => i.itemId);
    if (ids.length === 0) continue;
    await db.delete(packageRedactions).where(and(
      eq(packageRedactions.reviewId, scope.reviewId), eq(packageRedactions.conversationId, scope.conversationId),
      eq(packageRedactions.itemType, type), inArray(packageRedactions.itemId, ids),
    ));
  }
  if (next.length === 0) return;
  await db.insert(packageRedactions).values(next.map((r) => ({
    reviewId: scope.reviewId, orgId: scope.orgId, conversationId: scope.conversationId, createdBy: scope.createdBy,
    itemType: r.itemType, itemId: r.itemId, whole: r.whole ? 1 : 0, origin: r.origin, reason: r.reason,
    detailEnc: seal(key, JSON.stringify(r.whole ? {} : { start: r.start, end: r.end, kind: r.kind, text: r.text }), aad(scope.conversationId)),
  })));
}

/**
 * Every readable redaction of a review, opened with each conversation's key. Redactions of an
 * erased conversation are skipped: nothing of it is exported anyway.
 */
export async function readRedactions(db: Executor, keys: KeyRing, reviewId: string, convs: Pick<Conversation, "id" | "dataKeyId">[]): Promise<Redaction[]> {
  const rows = await db.select().from(packageRedactions).where(eq(packageRedactions.reviewId, reviewId));
  if (rows.length === 0) return [];
  const keyOf = await conversationKeys(db, keys, convs);
  const out: Redaction[] = [];
  for (const r of rows) {
    const key = keyOf.get(r.conversationId);
    if (!key) continue;
    const detail = JSON.parse(openText(key, r.detailEnc, aad(r.conversationId))) as RedactionDetail;
    out.push({ ...detail, id: r.id, conversationId: r.conversationId, itemType: r.itemType, itemId: r.itemId, whole: r.whole === 1, origin: r.origin, reason: r.reason });
  }
  return out;
}
