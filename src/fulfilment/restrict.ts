/**
 * Restriction (Art. 18): the data may only be stored. The flags set here are what staff views,
 * research exports (research.ts) and later processing check. Lifting needs the requester to be
 * told first (Art. 18(3)): a notice is sent and recorded, and only then may the DPO lift it.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { conversations, requests, subjects } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { lockSubject, organizationOf } from "./db-util.js";
import { stepDone, type FulfilmentOptions } from "./faults.js";
import { sendCompletionNotice, sendLiftNotice } from "./notices.js";
import { createRecipientTasks } from "./recipient-tasks.js";
import { asJson, readResult, type FulfilmentResult } from "../requests/result.js";
import { lockConversationsInScope } from "./scope.js";

export async function carryOutRestriction(tx: Tx, ctx: AppContext, actor: Actor, org: Organization, r: RequestRow, opts?: FulfilmentOptions): Promise<Pick<FulfilmentResult, "restriction" | "recipients">> {
  const now = ctx.clock.now();
  const convs = (await lockConversationsInScope(tx, r)).filter((c) => !c.erasedAt);
  const ids = convs.map((c) => c.id);
  if (ids.length) await tx.update(conversations).set({ restrictedAt: now }).where(and(inArray(conversations.id, ids), isNull(conversations.restrictedAt)));
  const subject = await lockSubject(tx, ctx.keys, r.subjectId);
  const wholeSubject = !!subject && r.scope === "all_conversations";
  if (wholeSubject && !subject.restrictedAt) await tx.update(subjects).set({ restrictedAt: now }).where(eq(subjects.id, subject.id));
  stepDone(opts, "flags");
  const recipients = await createRecipientTasks(tx, ctx, r, "restriction", {
    subject: wholeSubject ? subject.externalId ?? null : null, conversations: convs.map((c) => c.externalId).filter((x): x is string => !!x),
  });
  stepDone(opts, "recipients");
  await sendCompletionNotice(tx, ctx, org, actor, r, { kind: "restriction", conversations: ids.length, subjectFlag: wholeSubject, recipients: recipients.map((x) => x.name) }, subject?.email ?? null);
  stepDone(opts, "notice");
  await appendAudit(tx, ctx, {
    orgId: r.orgId, actor, action: "fulfilment.restriction_carried_out", target: { type: "request", id: r.id }, subjectId: r.subjectId,
    details: { reference: r.reference, subject: wholeSubject, conversations: ids },
  });
  return { restriction: { subject: wholeSubject, conversationIds: ids, liftNotifiedAt: null, liftedAt: null }, recipients };
}

/** The restriction record of a completed restriction request, or a localized refusal. */
async function lockedRestriction(tx: Tx, actor: StaffActor, requestId: string) {
  const r = await lockRequest(tx, requestId, actor.orgId);
  const result = readResult(r);
  if (r.type !== "restriction" || r.status !== "completed" || !result?.restriction) throw new ValidationError({ _form: "fulfilment.errors.noActiveRestriction" });
  if (result.restriction.liftedAt) throw new ValidationError({ _form: "fulfilment.errors.alreadyLifted" });
  return { r, result, restriction: result.restriction };
}

/** Tells the requester that the restriction will be lifted, and records that they were told. */
export async function notifyRestrictionLift(ctx: AppContext, actor: StaffActor, requestId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const { r, result, restriction } = await lockedRestriction(tx, actor, requestId);
    if (restriction.liftNotifiedAt) throw new ValidationError({ _form: "fulfilment.errors.alreadyNotified" });
    const org = await organizationOf(tx, r.orgId);
    const subject = await lockSubject(tx, ctx.keys, r.subjectId);
    await sendLiftNotice(tx, ctx, org, actor, r, subject?.email ?? null);
    const at = ctx.clock.now().toISOString();
    await tx.update(requests).set({ result: asJson({ ...result, restriction: { ...restriction, liftNotifiedAt: at } }) }).where(eq(requests.id, r.id));
    await appendAudit(tx, ctx, { orgId: r.orgId, actor, action: "restriction.lift_notified", target: { type: "request", id: r.id }, subjectId: r.subjectId, details: { reference: r.reference, mailed: !!subject?.email } });
  });
}

/** Lifts the restriction; refused until the requester has been told (Art. 18(3)). */
export async function liftRestriction(ctx: AppContext, actor: StaffActor, requestId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const { r, result, restriction } = await lockedRestriction(tx, actor, requestId);
    if (!restriction.liftNotifiedAt) throw new ValidationError({ _form: "fulfilment.errors.notifyFirst" });
    if (restriction.conversationIds.length) {
      await tx.update(conversations).set({ restrictedAt: null }).where(and(eq(conversations.orgId, r.orgId), inArray(conversations.id, restriction.conversationIds)));
    }
    if (restriction.subject && r.subjectId) await tx.update(subjects).set({ restrictedAt: null }).where(eq(subjects.id, r.subjectId));
    const at = ctx.clock.now().toISOString();
    await tx.update(requests).set({ result: asJson({ ...result, restriction: { ...restriction, liftedAt: at } }) }).where(eq(requests.id, r.id));
    await appendAudit(tx, ctx, {
      orgId: r.orgId, actor, action: "restriction.lifted", target: { type: "request", id: r.id }, subjectId: r.subjectId,
      details: { reference: r.reference, notifiedAt: restriction.liftNotifiedAt, subject: restriction.subject, conversations: restriction.conversationIds },
    });
  });
}
