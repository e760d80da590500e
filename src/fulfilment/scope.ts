import { conversationsInScope } from "../requests/request-scope.js";
import type { Tx } from "../db/client.js";
import type { Conversation } from "../chats/conversation-store.js";
import type { RequestRow } from "../requests/change-status.js";

/** The conversations a request covers (requests/request-scope.ts), locked for the rest of the transaction. */
export function lockConversationsInScope(tx: Tx, r: RequestRow): Promise<Conversation[]> {
  return conversationsInScope(tx, r, { lock: true });
}

/** Whether the request covers the person's profile as well as (or instead of) conversations. */
export function coversProfile(r: Pick<RequestRow, "scope" | "subjectId">): boolean {
  return !!r.subjectId && (r.scope === "profile" || r.scope === "all_conversations");
}
