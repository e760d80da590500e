import type { AppContext } from "../context.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { appendMessages } from "./conversation-store.js";
import { touchSubjects, writableConversation } from "./ingest.js";
import type { MessageInput } from "./schema.js";

export interface AppendResult {
  conversationExternalId: string;
  /** Distinct message ids in the call (the same on a replay). */
  received: number;
  messageCount: number;
}

/**
 * POST /api/v1/conversations/:externalId/messages — appends a batch, idempotent on the messages'
 * externalIds (a stored message is never rewritten). One audit entry with counts, no content.
 */
export async function appendConversationMessages(
  ctx: AppContext,
  actor: Actor,
  input: { orgId: string; externalId: string; messages: MessageInput[]; ip?: string },
): Promise<AppendResult> {
  const distinct = [...new Map(input.messages.map((m) => [m.externalId, m])).values()];
  return ctx.db.transaction(async (tx) => {
    const conv = await writableConversation(tx, input.orgId, input.externalId);
    const inserted = await appendMessages(tx, ctx.keys, conv, distinct);
    if (conv.subjectId && inserted > 0) {
      const latest = distinct.reduce((max, m) => (m.sentAt > max ? m.sentAt : max), distinct[0]!.sentAt);
      await touchSubjects(tx, new Map([[conv.subjectId, latest]]));
    }
    await appendAudit(tx, ctx, {
      orgId: input.orgId, actor, action: "chats.ingest.messages", target: { type: "conversation", id: conv.id },
      subjectId: conv.subjectId, details: { received: distinct.length, inserted, duplicates: distinct.length - inserted }, ip: input.ip,
    });
    return { conversationExternalId: input.externalId, received: distinct.length, messageCount: conv.messageCount + inserted };
  });
}
