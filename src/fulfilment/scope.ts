import { and, asc, eq, inArray } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { conversations } from "../db/schema/index.js";
import type { Conversation } from "../chats/conversation-store.js";
import type { RequestRow } from "../requests/change-status.js";

/**
 * The conversations a request covers, locked for the rest of the transaction (a legal hold set at
 * the same moment waits for us, or we for it). Same reading of scope as the staff detail page:
 * chosen conversations, or the proved receipt conversation, or all of the subject's; "profile"
 * covers none.
 */
export async function lockConversationsInScope(tx: Tx, r: RequestRow): Promise<Conversation[]> {
  if (r.scope === "chosen_conversations" || !r.subjectId) {
    const ids = r.conversationIds.length ? r.conversationIds : r.receiptConversationId ? [r.receiptConversationId] : [];
    if (ids.length === 0) return [];
    return tx.select().from(conversations)
      .where(and(eq(conversations.orgId, r.orgId), inArray(conversations.id, ids)))
      .orderBy(asc(conversations.startedAt), asc(conversations.id)).for("update");
  }
  if (r.scope === "profile") return [];
  return tx.select().from(conversations)
    .where(and(eq(conversations.orgId, r.orgId), eq(conversations.subjectId, r.subjectId)))
    .orderBy(asc(conversations.startedAt), asc(conversations.id)).for("update");
}

/** Whether the request covers the person's profile as well as (or instead of) conversations. */
export function coversProfile(r: Pick<RequestRow, "scope" | "subjectId">): boolean {
  return !!r.subjectId && (r.scope === "profile" || r.scope === "all_conversations");
}
