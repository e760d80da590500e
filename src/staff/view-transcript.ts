import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations } from "../db/schema/index.js";
import { readMessages, type Conversation, type ReadMessage } from "../chats/conversation-store.js";
import { appendAudit } from "../platform/audit.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import type { RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";

/** A conversation of the organization that the request covers; anything else is "not found". */
export async function conversationForRequest(ctx: AppContext, orgId: string, r: RequestRow, conversationId: string): Promise<Conversation> {
  if (!/^[0-9a-f-]{36}$/i.test(conversationId)) throw new NotFoundError("conversation");
  const [conv] = await ctx.db.select().from(conversations).where(and(eq(conversations.id, conversationId), eq(conversations.orgId, orgId)));
  const covered = conv && (r.conversationIds.includes(conv.id) || r.receiptConversationId === conv.id || (r.scope !== "chosen_conversations" && !!r.subjectId && conv.subjectId === r.subjectId));
  if (!conv || !covered) throw new NotFoundError("conversation");
  return conv;
}

/** Opening a transcript is an audited access with a stated purpose; the entry commits before content is read. */
export async function viewTranscript(ctx: AppContext, actor: StaffActor, r: RequestRow, conv: Conversation, purpose: string): Promise<ReadMessage[]> {
  const stated = purpose.trim();
  if (stated.length < 5) throw new ValidationError({ purpose: "staff.errors.purposeRequired" });
  if (stated.length > 500) throw new ValidationError({ purpose: "platform.errors.tooLong" });
  await ctx.db.transaction((tx) => appendAudit(tx, ctx, {
    orgId: actor.orgId, actor, action: "conversation.viewed", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId ?? r.subjectId,
    details: { purpose: stated, requestId: r.id, reference: r.reference },
  }));
  if (conv.erasedAt) return [];
  return readMessages(ctx.db, ctx.keys, conv);
}
