/**
 * Legal hold (Art. 17(3)): a conversation that led to a child-protection or police report is
 * kept even when its erasure is asked for. The DPO sets and lifts the hold, with a reason, on a
 * conversation the request covers; erasure checks it under the same row lock. Every hold has a
 * review date at most HOLD_REVIEW_MAX_MONTHS ahead: when it falls due the DPO's digest says so,
 * and the DPO renews it (a new date) or lifts it, giving a reason each time. A hold never lasts
 * by default: storage limitation (Art. 5(1)(e)) asks that keeping be justified again.
 */
import { and, eq } from "drizzle-orm";
import { organizations } from "../db/schema/index.js";
import { addMonthsClamped, localDate } from "../requests/deadlines.js";
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

/**
 * A year: child-protection and police matters often take months, so a shorter limit would only
 * train DPOs to click "renew"; a longer one would let a forgotten hold outlive its purpose.
 */
export const HOLD_REVIEW_MAX_MONTHS = 12;

/** The review date must be after today and at most HOLD_REVIEW_MAX_MONTHS ahead (organization's local dates). */
function checkReviewDate(reviewOn: string, today: string): void {
  if (reviewOn <= today) throw new ValidationError({ reviewOn: "fulfilment.errors.holdReviewFuture" });
  if (reviewOn > addMonthsClamped(today, HOLD_REVIEW_MAX_MONTHS)) throw new ValidationError({ reviewOn: "fulfilment.errors.holdReviewTooFar" });
}

async function orgToday(tx: Tx, orgId: string, now: Date): Promise<string> {
  const [org] = await tx.select({ timeZone: organizations.timeZone }).from(organizations).where(eq(organizations.id, orgId));
  return localDate(now, org!.timeZone);
}

export interface SetHoldInput { reason: string; reviewOn: string }

export async function setLegalHold(ctx: AppContext, actor: StaffActor, requestId: string, conversationId: string, input: SetHoldInput): Promise<void> {
  const { reason, reviewOn } = input;
  if (!(legalHoldReasons as readonly string[]).includes(reason)) throw new ValidationError({ reason: "fulfilment.errors.chooseHoldReason" });
  await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    const conv = await lockCoveredConversation(tx, r, conversationId);
    if (conv.erasedAt) throw new ValidationError({ _form: "fulfilment.errors.alreadyErased" });
    const now = ctx.clock.now();
    checkReviewDate(reviewOn, await orgToday(tx, actor.orgId, now));
    await tx.update(conversations).set({ legalHoldAt: conv.legalHoldAt ?? now, legalHoldReason: reason as LegalHoldReason, legalHoldReviewOn: reviewOn }).where(eq(conversations.id, conv.id));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "conversation.legal_hold_set", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId,
      details: { reason, previousReason: conv.legalHoldReason, reviewOn, previousReviewOn: conv.legalHoldReviewOn, reference: r.reference },
    });
  });
}

/** Renewal at (or before) the review: a new review date and the DPO's reason, whose length alone is audited. */
export async function renewLegalHold(ctx: AppContext, actor: StaffActor, requestId: string, conversationId: string, input: { reviewOn: string; note: string }): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    const conv = await lockCoveredConversation(tx, r, conversationId);
    if (!conv.legalHoldAt || conv.erasedAt) throw new ValidationError({ _form: "fulfilment.errors.notOnHold" });
    checkReviewDate(input.reviewOn, await orgToday(tx, actor.orgId, ctx.clock.now()));
    await tx.update(conversations).set({ legalHoldReviewOn: input.reviewOn }).where(eq(conversations.id, conv.id));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "conversation.legal_hold_renewed", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId,
      details: { previousReviewOn: conv.legalHoldReviewOn, reviewOn: input.reviewOn, noteLength: input.note.length, reference: r.reference },
    });
  });
}

export async function liftLegalHold(ctx: AppContext, actor: StaffActor, requestId: string, conversationId: string, input: { note: string }): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    const conv = await lockCoveredConversation(tx, r, conversationId);
    if (!conv.legalHoldAt) throw new ValidationError({ _form: "fulfilment.errors.notOnHold" });
    await tx.update(conversations).set({ legalHoldAt: null, legalHoldReason: null, legalHoldReviewOn: null }).where(eq(conversations.id, conv.id));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "conversation.legal_hold_lifted", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId,
      details: { reason: conv.legalHoldReason, since: conv.legalHoldAt.toISOString(), previousReviewOn: conv.legalHoldReviewOn, noteLength: input.note.length, reference: r.reference },
    });
  });
}
