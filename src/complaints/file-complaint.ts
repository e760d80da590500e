import { complaintKeyFor, openComplaint, openOne, sealComplaintBody } from "./complaint-texts.js";
import type { KeyRing } from "../platform/crypto.js";
import { and, desc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { complaints } from "../db/schema/index.js";
import type { Requester } from "../identity/guards.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { newReference } from "../platform/codes.js";
import { ValidationError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { lockRequest, type RequestRow } from "../requests/change-status.js";
import { dueDate } from "../requests/deadlines.js";
import { recordEvent } from "../requests/events.js";
import { getMyRequest } from "../requests/requester-queries.js";
import { requestStatusView } from "../requests/status-view.js";
import { notifyComplaintFiled, type ComplaintRow } from "./notify.js";
import type { ComplaintGround } from "../requests/complaint-paths.js";
import type { FileComplaintInput } from "./schema.js";

export function requesterActor(requester: Requester): Actor {
  return { type: "subject", id: requester.subjectId, role: requester.assurance };
}

/** The latest complaint about a request, if any (a request has few). */
export async function latestComplaint(tx: Tx, keys: KeyRing, orgId: string, requestId: string): Promise<ComplaintRow | undefined> {
  const [row] = await tx
    .select()
    .from(complaints)
    .where(and(eq(complaints.orgId, orgId), eq(complaints.requestId, requestId)))
    .orderBy(desc(complaints.receivedAt), desc(complaints.createdAt))
    .limit(1)
    .for("update");
  return openOne(tx, keys, row);
}

/** The grounds the request's state gives now, checked under the request's row lock. */
export function groundsNow(current: RequestRow, org: Organization, now: Date): ComplaintGround[] {
  return requestStatusView(current, org, now).complaintPaths.grounds;
}

/**
 * Inserts a complaint with a CP- reference, due one month after receipt (Art. 12(3), counted like
 * a request: the organization's calendar and public holidays).
 */
export async function insertComplaint(
  tx: Tx, ctx: AppContext, org: Organization, request: RequestRow,
  values: { grounds: ComplaintGround; body: string; status: ComplaintRow["status"]; escalatedAt?: Date | null },
): Promise<ComplaintRow> {
  const now = ctx.clock.now();
  const key = await complaintKeyFor(tx, ctx.keys, request);
  const [row] = await tx
    .insert(complaints)
    .values({
      orgId: org.id, requestId: request.id, reference: newReference("CP"), grounds: values.grounds, subjectKeyId: key.id, bodyEnc: sealComplaintBody(key, values.body),
      status: values.status, receivedAt: now, dueDate: dueDate(now, org.country, org.timeZone), escalatedAt: values.escalatedAt ?? null, createdAt: now,
    })
    .returning();
  return openComplaint(row!, key);
}

/**
 * The requester complains to the DPO about one of their own requests that was refused, is
 * overdue, or was completed in a way they dispute. One open complaint per request at a time.
 * The complaint, the request's event, the audit entry and the e-mails commit together.
 */
/** Which organization, which of the requester's requests (by reference), and the complaint as parsed. */
export interface MyRequestRef { org: Organization; reference: string }

export async function fileComplaint(ctx: AppContext, requester: Requester, input: MyRequestRef & FileComplaintInput): Promise<ComplaintRow> {
  const { org, reference, grounds, body } = input;
  const mine = await getMyRequest(ctx, org.id, requester, reference);
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, mine.id, org.id);
    const allowed = groundsNow(current, org, ctx.clock.now());
    if (allowed.length === 0) throw new ValidationError({ _form: "complaints.errors.notEligible" });
    if (!allowed.includes(grounds)) throw new ValidationError({ grounds: "complaints.errors.groundsNotApplicable" });
    const previous = await latestComplaint(tx, ctx.keys, org.id, current.id);
    if (previous && previous.status === "open") throw new ValidationError({ _form: "complaints.errors.alreadyOpen" });

    const complaint = await insertComplaint(tx, ctx, org, current, { grounds, body, status: "open" });
    const actor = requesterActor(requester);
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "complaint_filed", note: complaint.reference });
    await appendAudit(tx, ctx, {
      orgId: org.id, actor, action: "complaint.filed", target: { type: "complaint", id: complaint.id }, subjectId: current.subjectId,
      details: { reference: current.reference, complaintReference: complaint.reference, grounds, dueDate: complaint.dueDate, length: body.length },
    });
    await notifyComplaintFiled(tx, ctx, org, current, complaint);
    return complaint;
  });
}
