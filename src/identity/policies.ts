import type { conversations } from "../db/schema/index.js";
import type { Requester } from "./guards.js";

type ConversationRef = Pick<typeof conversations.$inferSelect, "id" | "orgId" | "subjectId">;

/**
 * Whether a signed-in requester may see (or ask about) a conversation. A receipt-code session
 * proved one conversation and sees that one only; a session that proved a subject sees that
 * subject's conversations. Always within the session's own organization.
 */
export function requesterMaySeeConversation(requester: Requester, sessionOrgId: string, conversation: ConversationRef): boolean {
  if (conversation.orgId !== sessionOrgId) return false;
  if (requester.conversationId !== null && conversation.id === requester.conversationId) return true;
  return requester.subjectId !== null && conversation.subjectId === requester.subjectId;
}
