import type { StaffRole } from "../db/schema/index.js";

/** A local calendar date, "YYYY-MM-DD"; templates show it in the locale's long format. */
export type LocalDateString = string;

/** Art. 12(3) reasons for an extension, shown in the requester's language (free text stays on the request page). */
export const extensionReasonKinds = ["complexity", "number_of_requests"] as const;
export type ExtensionReasonKind = (typeof extensionReasonKinds)[number];

/** Outcomes a decision mail announces; the first two refuse something (Art. 12(4)). */
export const decisionOutcomes = [
  "rejected", "partially_rejected", "approved", "completed", "erasure_confirmed", "awaiting_requester", "awaiting_identity", "reopened",
] as const;
export type DecisionOutcome = (typeof decisionOutcomes)[number];
export type RefusalOutcome = "rejected" | "partially_rejected";

/**
 * A refusal, whole or partial, must name the remedies (Art. 12(4)): the supervisory authority
 * (complaints/authorities.ts; an empty name or URL falls back to a general sentence) and a court.
 * The decision text and its reasons stay on the request page.
 */
export type DecisionMail =
  | { reference: string; outcome: RefusalOutcome; requestUrl: string; orgName: string; authorityName: string; authorityUrl: string }
  | {
      reference: string;
      outcome: Exclude<DecisionOutcome, RefusalOutcome>;
      requestUrl: string;
      orgName: string;
      authorityName?: string;
      authorityUrl?: string;
    };

/**
 * Every e-mail the portal sends, with the data its templates need. E-mails never carry chat
 * content or anyone's personal data beyond the recipient's own address: only references, dates,
 * counts, and links to pages that require signing in (reset and invitation links carry their own
 * single-use token). Free text written by staff (reasons, messages) stays on the request page.
 */
export interface MailTemplates {
  verification_code: { code: string; minutes: number; orgName: string };
  password_reset: { resetUrl: string; minutes: number; orgName: string };
  request_received: { reference: string; dueDate: LocalDateString; requestUrl: string; orgName: string };
  more_information_needed: { reference: string; requestUrl: string; orgName: string };
  /** reasonKind is optional: without it the mail says the reasons are on the request page. */
  extension: { reference: string; newDueDate: LocalDateString; requestUrl: string; orgName: string; reasonKind?: ExtensionReasonKind };
  message_waiting: { reference: string; requestUrl: string; orgName: string };
  decision: DecisionMail;
  /** requestUrl is the request page (sign-in required), never a download link. */
  package_ready: { reference: string; requestUrl: string; expiresOn: LocalDateString; orgName: string };
  complaint_received: { reference: string; complaintReference: string; dueDate: LocalDateString; requestUrl: string; orgName: string };
  /** Only the link and the organization's name identify anything; role is optional and left out by staff/invite-staff.ts. */
  staff_invitation: { inviteUrl: string; orgName: string; role?: StaffRole; days: number };
  /** date: the organization's local day the counts are for. */
  staff_digest: { dueSoon: number; overdue: number; urgent?: number; holdsDue?: number; queueUrl: string; orgName: string; date: LocalDateString };
  staff_overdue_alert: { reference: string; dueDate: LocalDateString; requestUrl: string; orgName: string };
  staff_escalation: { reference: string; complaintReference: string; requestUrl: string; orgName: string };
  /** The DPO's answer stays on the requester's complaint page (requestUrl). */
  complaint_answered: { reference: string; complaintReference: string; requestUrl: string; orgName: string };
  /** To each DPO: the requester recorded a complaint to the supervisory authority (authorityName: its public name). */
  staff_complaint_escalated: { reference: string; complaintReference: string; authorityName: string; requestUrl: string; orgName: string };
  /**
   * A fulfilment was carried out (fulfilment/notices.ts): counts and legal-hold reasons only. No
   * requestUrl after an erasure of the account (there is no page to sign in to any more); with
   * anything kept (Art. 17(3)) it names the authority, as every partial refusal must.
   */
  fulfilment_completed: {
    reference: string; orgName: string; kind: "erasure" | "rectification" | "restriction" | "objection" | "withdraw_consent";
    requestUrl?: string; conversationsErased?: number; profileErased?: "yes" | "no";
    /** After the account is erased: the signed link to the outcome page (issue 18). */
    outcomeUrl?: string;
    keptChildProtection?: number; keptPoliceReport?: number; recipients?: number; authorityName?: string; authorityUrl?: string;
  };
  /** Art. 18(3): told before a restriction is lifted. */
  restriction_lift_notice: { reference: string; requestUrl: string; orgName: string };
}

export type TemplateName = keyof MailTemplates;

export const templateNames = [
  "verification_code", "password_reset", "request_received", "more_information_needed", "extension",
  "message_waiting", "decision", "package_ready", "complaint_received", "staff_invitation",
  "staff_digest", "staff_overdue_alert", "staff_escalation",
  "complaint_answered", "staff_complaint_escalated",
  "fulfilment_completed", "restriction_lift_notice",
] as const satisfies readonly TemplateName[];

/** Compile-time check that templateNames lists every template. */
type Missing = Exclude<TemplateName, (typeof templateNames)[number]>;
const everyTemplateListed: [Missing] extends [never] ? true : Missing = true;
void everyTemplateListed;

export function isTemplateName(value: unknown): value is TemplateName {
  return typeof value === "string" && (templateNames as readonly string[]).includes(value);
}
