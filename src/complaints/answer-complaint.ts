import { openComplaint, sealComplaintAnswer } from "./complaint-texts.js";
import { keyById } from "../platform/subject-keys.js";
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { complaints } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { ConflictError, NotFoundError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { lockRequest } from "../requests/change-status.js";
import { localDate } from "../requests/deadlines.js";
import { recordEvent } from "../requests/events.js";
import type { StaffActor } from "../platform/policy.js";
import { notifyAnswered, type ComplaintRow } from "./notify.js";
import { authorizeComplaint } from "./policies.js";

/**
 * The DPO answers a complaint. The answer is shown to the requester on their complaint page; the
 * e-mail only tells them to sign in. An escalated complaint can still be answered (the authority
 * usually asks what the controller said) and stays "escalated".
 */
export async function answerComplaint(ctx: AppContext, actor: StaffActor, input: { org: Organization; complaintId: string; answer: string }): Promise<ComplaintRow> {
  const { org, complaintId, answer } = input;
  return ctx.db.transaction(async (tx) => {
    const find = () => tx.select().from(complaints).where(and(eq(complaints.id, complaintId), eq(complaints.orgId, org.id)));
    const [seen] = await find();
    if (!seen) throw new NotFoundError("complaint");
    // The request first, then the complaint: the same lock order as filing and escalating.
    const request = await lockRequest(tx, seen.requestId, org.id);
    const [locked] = await find().for("update");
    const key = await keyById(tx, ctx.keys, locked?.subjectKeyId);
    const complaint = locked ? openComplaint(locked, key) : undefined;
    // Checked under the row lock: two DPOs answering at once get one answer and one conflict.
    if (!complaint || complaint.answeredAt) throw new ConflictError("complaint_already_answered");
    authorizeComplaint(actor, "answer", { kind: "complaint", orgId: complaint.orgId, answered: false });
    const now = ctx.clock.now();
    const [answered] = await tx
      .update(complaints)
      .set({ answerEnc: key ? sealComplaintAnswer(key, answer) : null, answeredAt: now, answeredBy: actor.id, status: complaint.status === "open" ? "answered" : complaint.status })
      .where(eq(complaints.id, complaint.id))
      .returning();
    const staff = { type: "staff" as const, id: actor.id, role: actor.role };
    await recordEvent(tx, ctx.clock, request.id, staff, { kind: "complaint_answered", note: complaint.reference });
    await appendAudit(tx, ctx, {
      orgId: org.id, actor: staff, action: "complaint.answered", target: { type: "complaint", id: complaint.id }, subjectId: request.subjectId,
      details: { reference: request.reference, complaintReference: complaint.reference, onTime: localDate(now, org.timeZone) <= complaint.dueDate, length: answer.length },
    });
    const opened = openComplaint(answered!, key);
    await notifyAnswered(tx, ctx, org, request, opened);
    return opened;
  });
}
