/**
 * The e-mails complaints send, queued in the caller's transaction. They carry references, dates,
 * the authority's name and links to pages behind sign-in: never the complaint text, the answer or
 * anyone's name (mail/templates.ts).
 */
import type { ComplaintRow } from "./complaint-texts.js";
import { emailOfSubject } from "../chats/subject-store.js";
import type { KeyRing } from "../platform/crypto.js";
import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { complaints, staffUsers, subjects } from "../db/schema/index.js";
import { recordNotice } from "../requests/requester-notices.js";
import { queueMail } from "../mail/queue-mail.js";
import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "../requests/change-status.js";

export type { ComplaintRow };

interface Recipient {
  key: string;
  email: string;
  locale: string;
}

/** Every active DPO of the organization, in their own language; the organization's DPO address if it has none. */
async function dpoRecipients(tx: Tx, org: Organization): Promise<Recipient[]> {
  const dpos = await tx
    .select({ id: staffUsers.id, email: staffUsers.email, locale: staffUsers.locale })
    .from(staffUsers)
    .where(and(eq(staffUsers.orgId, org.id), eq(staffUsers.role, "dpo"), isNull(staffUsers.disabledAt)))
    .orderBy(staffUsers.email);
  if (dpos.length > 0) return dpos.map((d) => ({ key: `staff:${d.id}`, email: d.email, locale: d.locale ?? org.defaultLocale }));
  return org.dpoEmail ? [{ key: "org-dpo", email: org.dpoEmail, locale: org.defaultLocale }] : [];
}

/** Where staff open a complaint (sign-in required). */
export function staffComplaintUrl(ctx: AppContext, complaintId: string): string {
  return `${ctx.config.BASE_URL}/staff/complaints/${encodeURIComponent(complaintId)}`;
}

/** Where the requester follows their complaint (sign-in required). */
export function requesterComplaintUrl(ctx: AppContext, reference: string): string {
  return `${ctx.config.BASE_URL}/requests/${encodeURIComponent(reference)}/complaint`;
}

function requesterEmail(tx: Tx, keys: KeyRing, request: RequestRow): Promise<string | null> {
  return emailOfSubject(tx, keys, request.subjectId, request.orgId);
}

/** A new complaint: the requester gets its number and due date, each DPO a link to it. */
export async function notifyComplaintFiled(tx: Tx, ctx: AppContext, org: Organization, request: RequestRow, complaint: ComplaintRow): Promise<void> {
  const email = await requesterEmail(tx, ctx.keys, request);
  if (email) {
    await queueMail(tx, ctx, {
      orgId: org.id, to: email, subjectId: request.subjectId, template: "complaint_received", locale: request.locale, requestId: request.id,
      dedupeKey: `complaint_received:${complaint.id}`,
      data: { reference: request.reference, complaintReference: complaint.reference, dueDate: complaint.dueDate, requestUrl: requesterComplaintUrl(ctx, request.reference), orgName: org.name },
    });
  }
  for (const dpo of await dpoRecipients(tx, org)) {
    await queueMail(tx, ctx, {
      orgId: org.id, to: dpo.email, template: "staff_escalation", locale: dpo.locale,
      dedupeKey: `staff_escalation:${complaint.id}:${dpo.key}`,
      data: { reference: request.reference, complaintReference: complaint.reference, requestUrl: staffComplaintUrl(ctx, complaint.id), orgName: org.name },
    });
  }
}

/** The requester recorded that they went to the supervisory authority: each DPO is told. */
export async function notifyEscalated(tx: Tx, ctx: AppContext, org: Organization, request: RequestRow, complaint: ComplaintRow, authorityName: string): Promise<void> {
  for (const dpo of await dpoRecipients(tx, org)) {
    await queueMail(tx, ctx, {
      orgId: org.id, to: dpo.email, template: "staff_complaint_escalated", locale: dpo.locale,
      dedupeKey: `staff_complaint_escalated:${complaint.id}:${dpo.key}`,
      data: { reference: request.reference, complaintReference: complaint.reference, authorityName, requestUrl: staffComplaintUrl(ctx, complaint.id), orgName: org.name },
    });
  }
}

/** The DPO answered: the requester is asked to sign in and read it (the answer is not in the mail). */
export async function notifyAnswered(tx: Tx, ctx: AppContext, org: Organization, request: RequestRow, complaint: ComplaintRow): Promise<void> {
  const email = await requesterEmail(tx, ctx.keys, request);
  await recordNotice(tx, ctx.clock.now(), request.id, "complaint_answered", { mailed: !!email });
  if (!email) return;
  await queueMail(tx, ctx, {
    orgId: org.id, to: email, subjectId: request.subjectId, template: "complaint_answered", locale: request.locale, requestId: request.id,
    dedupeKey: `complaint_answered:${complaint.id}`,
    data: { reference: request.reference, complaintReference: complaint.reference, requestUrl: requesterComplaintUrl(ctx, request.reference), orgName: org.name },
  });
}
