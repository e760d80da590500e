import type { AppContext } from "../context.js";
import { readStatements, type Conversation } from "../chats/conversation-store.js";

/**
 * The requester's statements (Art. 16) shown with a transcript, wherever it is displayed. Read
 * only after the caller recorded the audited access; none for an erased conversation.
 */
export async function transcriptStatements(ctx: AppContext, conv: Conversation): Promise<{ body: string; createdAt: Date }[]> {
  if (conv.erasedAt || !conv.dataKeyId) return [];
  return readStatements(ctx.db, ctx.keys, conv);
}
