import type { AppContext } from "../context.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { conversationResource, findConversation, IngestNotFound, saveConversation, type Outcome } from "./ingest.js";
import type { ConversationBody } from "./schema.js";

/** PUT /api/v1/conversations/:externalId — erased conversations are refused (409). */
export async function upsertConversation(
  ctx: AppContext,
  actor: Actor,
  input: { orgId: string; externalId: string; body: ConversationBody; ip?: string },
): Promise<{ outcome: Outcome; resource: Awaited<ReturnType<typeof conversationResource>> }> {
  return ctx.db.transaction(async (tx) => {
    const { conversation, outcome } = await saveConversation(tx, ctx.keys, input.orgId, input.externalId, input.body);
    await appendAudit(tx, ctx, {
      orgId: input.orgId, actor, action: "chats.ingest.conversation", target: { type: "conversation", id: conversation.id },
      subjectId: conversation.subjectId, details: { outcome }, ip: input.ip,
    });
    return { outcome, resource: await conversationResource(tx, ctx.keys, conversation) };
  });
}

/** GET /api/v1/conversations/:externalId — the resource as PUT answers it (404 when unknown). */
export async function conversationByExternalId(ctx: AppContext, orgId: string, externalId: string): Promise<Awaited<ReturnType<typeof conversationResource>>> {
  const conv = await findConversation(ctx.db, orgId, externalId);
  if (!conv) throw new IngestNotFound("conversation_not_found", "no conversation with that id");
  return conversationResource(ctx.db, ctx.keys, conv);
}
