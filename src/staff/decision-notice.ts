import { emailOfSubject } from "../chats/subject-store.js";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { insertRequestMessage } from "../requests/request-texts.js";
import { authorityFor } from "../requests/authorities.js";
import { groundTemplate, refusalGrounds, rightsToComplain, type RefusalGround } from "../requests/decision-notices.js";
import { isLocale, translator } from "../platform/i18n.js";
import type { Organization } from "../platform/http/types.js";
import { queueMail } from "../mail/queue-mail.js";
import type { RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { recordNotice, type NoticeKind } from "../requests/requester-notices.js";

export type Outcome = "approved" | "rejected" | "awaiting_requester" | "awaiting_identity" | "erasure_confirmed" | "reopened";

/** The banner each outcome leaves on the requester's status page. */
const noticeOf: Record<Outcome, NoticeKind> = {
  approved: "approved", rejected: "rejected", awaiting_requester: "info_requested", awaiting_identity: "identity_requested", erasure_confirmed: "approved", reopened: "reopened",
};

/** The refusal grounds (requests/decision-notices.ts holds them with their texts). */
export const legalGrounds = refusalGrounds;
export type LegalGround = RefusalGround;

/** The translator for the requester's language (decisions are written to them, not to staff). */
export function requesterT(r: Pick<RequestRow, "locale">) {
  return translator(isLocale(r.locale) ? r.locale : "en");
}

function authority(org: Pick<Organization, "authorityCountry">) {
  try {
    const a = authorityFor(org.authorityCountry);
    return { name: a.nameLocal, url: a.complaintUrl };
  } catch {
    return { name: "", url: "" };
  }
}

/** The editable text a decision form starts with, in the requester's language. */
export function decisionTemplate(kind: "approve" | "reject" | "askInfo" | "askIdentity", r: RequestRow, org: Organization, ground?: LegalGround): string {
  const t = requesterT(r);
  const vars = { reference: r.reference, orgName: org.name, type: t(`requests.types.${r.type}.label`) };
  if (kind === "reject" && ground) return groundTemplate({ locale: r.locale, reference: r.reference, orgName: org.name, authorityCountry: org.authorityCountry, ground });
  return t(`staff.templates.${kind}`, vars);
}

/**
 * Art. 12(4): every refusal tells the requester of the right to complain to the supervisory
 * authority and to seek a judicial remedy. Appended by the server, so staff cannot leave it out.
 */
export function refusalNotice(r: RequestRow, org: Organization): string {
  return rightsToComplain({ locale: r.locale, authorityCountry: org.authorityCountry });
}

/** Posts the decision to the requester's thread and queues the "decision" mail, in the caller's transaction. */
export async function sendDecision(tx: Tx, ctx: AppContext, org: Organization, actor: StaffActor, r: RequestRow, outcome: Outcome, text: string): Promise<void> {
  await insertRequestMessage(tx, ctx.keys, r, { authorType: "staff", authorId: actor.id, body: text, createdAt: ctx.clock.now() });
  const email = await emailOfSubject(tx, ctx.keys, r.subjectId);
  await recordNotice(tx, ctx.clock.now(), r.id, noticeOf[outcome], { mailed: !!email });
  if (!email) return;
  const a = authority(org);
  await queueMail(tx, ctx, {
    orgId: org.id, to: email, subjectId: r.subjectId, template: "decision", locale: r.locale, requestId: r.id,
    dedupeKey: `decision:${r.id}:${outcome}:${ctx.clock.now().getTime()}`,
    data: { reference: r.reference, outcome, requestUrl: `${ctx.config.BASE_URL}/requests/${r.reference}`, orgName: org.name, authorityName: a.name, authorityUrl: a.url },
  });
}
