import { and, asc, eq, inArray, or, type SQL } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { conversations, type requests } from "../db/schema/index.js";

type ScopedRequest = Pick<typeof requests.$inferSelect, "orgId" | "scope" | "subjectId" | "receiptConversationId" | "conversationIds">;
export type ScopedConversation = typeof conversations.$inferSelect;

/**
 * The one reading of "which conversations does this request cover", for the staff case page, the
 * export and the erasure alike: conversations of the request's organization that the requester
 * proved — their account's, and the receipt-code conversation they signed in with — narrowed to
 * the chosen ones for "chosen_conversations"; "profile" covers none. Undefined: none at all.
 */
function scopeWhere(r: ScopedRequest): SQL | undefined {
  const owned: SQL[] = [];
  if (r.subjectId) owned.push(eq(conversations.subjectId, r.subjectId));
  if (r.receiptConversationId) owned.push(eq(conversations.id, r.receiptConversationId));
  if (r.scope === "profile" || owned.length === 0) return undefined;
  const ownedBy = owned.length === 1 ? owned[0]! : or(...owned)!;
  if (r.scope !== "chosen_conversations") return and(eq(conversations.orgId, r.orgId), ownedBy);
  const chosen = [...new Set(r.conversationIds)];
  return chosen.length === 0 ? undefined : and(eq(conversations.orgId, r.orgId), inArray(conversations.id, chosen), ownedBy);
}

/**
 * The conversations a request covers, oldest first. `lock`: for the rest of the caller's
 * transaction (a legal hold set at the same moment waits for the erasure, or it for the hold).
 */
export async function conversationsInScope(db: Executor, r: ScopedRequest, opts: { lock?: boolean } = {}): Promise<ScopedConversation[]> {
  const where = scopeWhere(r);
  if (!where) return [];
  const query = db.select().from(conversations).where(where).orderBy(asc(conversations.startedAt), asc(conversations.id));
  return opts.lock ? query.for("update") : query;
}

/** Chosen conversations the requester did not prove (another person's, or gone): counted, never shown. */
export function notLinkedCount(r: ScopedRequest, found: readonly { id: string }[]): number {
  return r.scope === "chosen_conversations" ? new Set(r.conversationIds).size - found.length : 0;
}
