import type { AppContext } from "../context.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { appendNotes } from "./conversation-store.js";
import { writableConversation } from "./ingest.js";
import type { NoteInput } from "./schema.js";

/** POST /api/v1/conversations/:externalId/notes — idempotent on the notes' externalIds; audited with counts. */
export async function appendConversationNotes(
  ctx: AppContext,
  actor: Actor,
  input: { orgId: string; externalId: string; notes: NoteInput[]; ip?: string },
): Promise<{ conversationExternalId: string; received: number }> {
  const distinct = [...new Map(input.notes.map((n) => [n.externalId, n])).values()];
  return ctx.db.transaction(async (tx) => {
    const conv = await writableConversation(tx, input.orgId, input.externalId);
    const inserted = await appendNotes(tx, ctx.keys, conv, distinct);
    await appendAudit(tx, ctx, {
      orgId: input.orgId, actor, action: "chats.ingest.notes", target: { type: "conversation", id: conv.id },
      subjectId: conv.subjectId, details: { received: distinct.length, inserted, duplicates: distinct.length - inserted }, ip: input.ip,
    });
    return { conversationExternalId: input.externalId, received: distinct.length };
  });
}
