/**
 * Every e-mail the portal sends, with the data its templates need. E-mails never carry chat
 * content or anyone's personal data beyond the recipient's own address: references, dates, links.
 */
export interface MailTemplates {
  verification_code: { code: string; minutes: number; orgName: string };
  password_reset: { resetUrl: string; minutes: number; orgName: string };
  request_received: { reference: string; dueDate: string; requestUrl: string; orgName: string };
  more_information_needed: { reference: string; requestUrl: string; orgName: string };
  extension: { reference: string; reason: string; newDueDate: string; requestUrl: string; orgName: string };
  message_waiting: { reference: string; requestUrl: string; orgName: string };
  decision: { reference: string; outcome: "approved" | "rejected" | "completed"; requestUrl: string; orgName: string; authorityName: string; authorityUrl: string };
  package_ready: { reference: string; requestUrl: string; expiresOn: string; orgName: string };
  complaint_received: { reference: string; complaintReference: string; dueDate: string; requestUrl: string; orgName: string };
  staff_invitation: { inviteUrl: string; orgName: string; role: string; days: number };
  staff_digest: { dueSoon: number; overdue: number; queueUrl: string; orgName: string };
  staff_overdue_alert: { reference: string; requestUrl: string; orgName: string };
  staff_escalation: { reference: string; complaintReference: string; requestUrl: string; orgName: string };
}

export type TemplateName = keyof MailTemplates;

export const templateNames = [
  "verification_code", "password_reset", "request_received", "more_information_needed", "extension",
  "message_waiting", "decision", "package_ready", "complaint_received", "staff_invitation",
  "staff_digest", "staff_overdue_alert", "staff_escalation",
] as const satisfies readonly TemplateName[];
