/**
 * What retention can apply to, and which clock and action make sense for each kind of data. The
 * sweep (sweep.ts) and the admin form (update-policy.ts) both read this one table.
 */
export const retentionCategories = [
  "conversations",
  "ip_addresses",
  "subject_accounts",
  "inactive_accounts",
  "unactivated_accounts",
  "unlinked_accounts",
  "inactive_email_accounts",
  "email_correspondence",
  "contact_form_submissions",
  "backups",
  "unverified_requests",
  "closed_requests",
  "exports",
  "outbox",
  "audit_log",
] as const;
export type RetentionCategory = (typeof retentionCategories)[number];

export const retentionBases = ["created", "last_activity"] as const;
export type RetentionBasis = (typeof retentionBases)[number];

export const retentionActions = ["delete", "tombstone", "truncate_ip"] as const;
export type RetentionAction = (typeof retentionActions)[number];

export interface CategoryRule {
  bases: readonly RetentionBasis[];
  actions: readonly RetentionAction[];
}

/**
 * - conversations: "last activity" is the person's last conversation (the conversation's own end
 *   for anonymous chats); a tombstone keeps only the date and the topic.
 * - inactive accounts are measured from last activity, unactivated ones from creation: the
 *   category itself says which clock runs.
 * - the audit log is pruned only from its oldest end, by age, so the chain stays verifiable.
 * - unlinked accounts were never linked to a chat (nor used for a request); e-mail-only accounts
 *   (no password) have their own inactivity period; e-mail correspondence is the thread of a
 *   closed request, message by message.
 * - contact-form submissions and backups are kept outside Rightsdesk: their rule is the promise
 *   the access package states (toldOnly), and the sweep has nothing to remove here.
 */
export const toldOnlyCategories: readonly RetentionCategory[] = ["contact_form_submissions", "backups"];
export const categoryRules: Readonly<Record<RetentionCategory, CategoryRule>> = {
  conversations: { bases: ["created", "last_activity"], actions: ["delete", "tombstone"] },
  ip_addresses: { bases: ["created", "last_activity"], actions: ["truncate_ip"] },
  subject_accounts: { bases: ["created", "last_activity"], actions: ["delete"] },
  inactive_accounts: { bases: ["last_activity"], actions: ["delete"] },
  unactivated_accounts: { bases: ["created"], actions: ["delete"] },
  unlinked_accounts: { bases: ["created"], actions: ["delete"] },
  inactive_email_accounts: { bases: ["last_activity"], actions: ["delete"] },
  email_correspondence: { bases: ["created"], actions: ["delete"] },
  contact_form_submissions: { bases: ["created"], actions: ["delete"] },
  backups: { bases: ["created"], actions: ["delete"] },
  unverified_requests: { bases: ["created", "last_activity"], actions: ["delete"] },
  closed_requests: { bases: ["created", "last_activity"], actions: ["delete", "tombstone"] },
  exports: { bases: ["created", "last_activity"], actions: ["delete"] },
  outbox: { bases: ["created", "last_activity"], actions: ["delete"] },
  audit_log: { bases: ["created"], actions: ["delete"] },
};

export function isRetentionCategory(x: unknown): x is RetentionCategory {
  return typeof x === "string" && (retentionCategories as readonly string[]).includes(x);
}

/** The longest period an admin may set (100 years): anything beyond is a typing mistake. */
export const MAX_PERIOD_DAYS = 36_500;

export interface PolicyValues {
  periodDays: number;
  basis: RetentionBasis;
  action: RetentionAction;
}

/** Field errors (i18n keys) for a policy that the category does not allow; empty when valid. */
export function policyErrors(category: RetentionCategory, p: PolicyValues): Record<string, string> {
  const rule = categoryRules[category];
  const errors: Record<string, string> = {};
  if (!Number.isInteger(p.periodDays) || p.periodDays < 1 || p.periodDays > MAX_PERIOD_DAYS) errors.periodDays = "retention.errors.period";
  if (!rule.bases.includes(p.basis)) errors.basis = "retention.errors.basisNotAllowed";
  if (!rule.actions.includes(p.action)) errors.action = "retention.errors.actionNotAllowed";
  return errors;
}
