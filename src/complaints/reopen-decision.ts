import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { emailOfSubject } from "../chats/subject-store.js";
import { complaints } from "../db/schema/index.js";
import { insertRequestMessage } from "../requests/request-texts.js";
import { ConflictError, NotFoundError, ValidationError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { isLocale, translator } from "../platform/i18n.js";
import type { StaffActor } from "../platform/policy.js";
import { inTransaction } from "../platform/transaction.js";
import { queueMail } from "../mail/queue-mail.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import { recordNotice } from "../requests/requester-notices.js";
import { reopenableStatuses, type RequestStatus } from "../requests/lifecycle.js";

import { REOPEN_REASON_MAX, REOPEN_REASON_MIN } from "./schema.js";

/**
 * From a complaint, the DPO reopens the request's decision: the request goes back into review
 * with the old decision cleared (kept in the timeline and the audit log), the complaint records
 * who reopened it, and the requester is told why — in the thread, as a banner, and by e-mail
 * when they gave an address. One transaction; once per complaint.
 */
export async function reopenDecision(ctx: AppContext, actor: StaffActor, { org, complaintId, reason }: { org: Organization; complaintId: string; reason: string }): Promise<RequestRow> {
  const why = (reason ?? "").replace(/\r\n?/g, "\n").trim();
  if (why.length < REOPEN_REASON_MIN) throw new ValidationError({ reason: "complaints.errors.reopenReason" });
  if (why.length > REOPEN_REASON_MAX) throw new ValidationError({ reason: "platform.errors.tooLong" });
  return inTransaction(ctx, async (tx, txCtx) => {
    const find = () => tx.select().from(complaints).where(and(eq(complaints.id, complaintId), eq(complaints.orgId, org.id)));
    const [seen] = await find();
    if (!seen) throw new NotFoundError("complaint");
    // The request first, then the complaint: the lock order of filing, answering and escalating.
    const current = await lockRequest(tx, seen.requestId, org.id);
    const [complaint] = await find().for("update");
    if (!complaint || complaint.reopenedAt) throw new ConflictError("decision_already_reopened");
    if (!reopenableStatuses.includes(current.status as RequestStatus)) throw new ConflictError("stale_status");
    const now = ctx.clock.now();
    const updated = await changeStatus(tx, txCtx, actor, current, {
      to: "in_review", kind: "reopened", reopening: true,
      set: { decision: null, legalGround: null, legalGroundLaw: null, decisionReasonEnc: null, decidedAt: null, decidedBy: null, completedAt: null },
      auditDetails: { complaintReference: complaint.reference, previousDecision: current.decision ?? current.status, previousLegalGround: current.legalGround, reasonLength: why.length },
    });
    await tx.update(complaints).set({ reopenedAt: now, reopenedBy: actor.id }).where(eq(complaints.id, complaint.id));
    await tellRequester(tx, txCtx, org, actor, current, why, now);
    return updated;
  });
}

async function tellRequester(tx: Tx, ctx: AppContext, org: Organization, actor: StaffActor, r: RequestRow, why: string, now: Date): Promise<void> {
  const t = translator(isLocale(r.locale) ? r.locale : "en");
  await insertRequestMessage(tx, ctx.keys, r, { authorType: "staff", authorId: actor.id, body: t("complaints.reopen.notice", { reference: r.reference, reason: why, orgName: org.name }), createdAt: now });
  const email = await emailOfSubject(tx, ctx.keys, r.subjectId);
  await recordNotice(tx, now, r.id, "reopened", { mailed: !!email });
  if (!email) return;
  await queueMail(tx, ctx, {
    orgId: org.id, to: email, subjectId: r.subjectId, template: "decision", locale: r.locale, requestId: r.id,
    dedupeKey: `decision:${r.id}:reopened:${now.getTime()}`,
    data: { reference: r.reference, outcome: "reopened", requestUrl: `${ctx.config.BASE_URL}/requests/${r.reference}`, orgName: org.name },
  });
}
