/**
 * Legal hold (Art. 17(3)): a conversation that led to a child-protection or police report is
 * kept even when its erasure is asked for. The DPO sets and lifts the hold, with a reason, on a
 * conversation the request covers; erasure checks it under the same row lock.
 */
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { legalHoldReasons, type LegalHoldReason } from "../requests/result.js";
import type { Tx } from "../db/client.js";

/** The conversation, locked, if the request covers it (same reading as the transcript route). */
async function lockCoveredConversation(tx: Tx, r: RequestRow, conversationId: string) {
  const [conv] = await tx.select().from(conversations).where(and(eq(conversations.id, conversationId), eq(conversations.orgId, r.orgId))).for("update");
  const covered = conv && (r.conversationIds.includes(conv.id) || r.receiptConversationId === conv.id || (r.scope !== "chosen_conversations" && !!r.subjectId && conv.subjectId === r.subjectId));
  if (!conv || !covered) throw new NotFoundError("conversation");
  return conv;
}

export async function setLegalHold(ctx: AppContext, actor: StaffActor, requestId: string, conversationId: string, reason: string): Promise<void> {
  if (!(legalHoldReasons as readonly string[]).includes(reason)) throw new ValidationError({ reason: "fulfilment.errors.chooseHoldReason" });
  await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    const conv = await lockCoveredConversation(tx, r, conversationId);
    if (conv.erasedAt) throw new ValidationError({ _form: "fulfilment.errors.alreadyErased" });
    const now = ctx.clock.now();
    await tx.update(conversations).set({ legalHoldAt: conv.legalHoldAt ?? now, legalHoldReason: reason as LegalHoldReason }).where(eq(conversations.id, conv.id));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "conversation.legal_hold_set", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId,
      details: { reason, previousReason: conv.legalHoldReason, reference: r.reference },
    });
  });
}

export async function liftLegalHold(ctx: AppContext, actor: StaffActor, requestId: string, conversationId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    const conv = await lockCoveredConversation(tx, r, conversationId);
    if (!conv.legalHoldAt) throw new ValidationError({ _form: "fulfilment.errors.notOnHold" });
    await tx.update(conversations).set({ legalHoldAt: null, legalHoldReason: null }).where(eq(conversations.id, conv.id));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "conversation.legal_hold_lifted", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId,
      details: { reason: conv.legalHoldReason, since: conv.legalHoldAt.toISOString(), reference: r.reference },
    });
  });
}
