import type { Executor } from "../db/client.js";
import { retentionCategories, type PolicyValues, type RetentionCategory } from "./categories.js";
import { policiesOf, policyValues } from "./list-policies.js";

/**
 * Starting points that reproduce promises helplines make in their privacy notices. An admin picks
 * one and adjusts it. Months count as 30 days and years as 365, so data never stays longer than
 * the notice promises (a calendar month is never shorter than 28 days, which only errs earlier).
 */
export type PresetPolicies = Partial<Record<RetentionCategory, PolicyValues>>;

const MONTH = 30;
const YEAR = 365;

/** What every preset also covers: the portal's own records, which no notice talks about. */
const housekeeping: PresetPolicies = {
  unverified_requests: { periodDays: 2 * MONTH, basis: "last_activity", action: "delete" },
  closed_requests: { periodDays: 3 * YEAR, basis: "last_activity", action: "delete" },
  exports: { periodDays: 3 * MONTH, basis: "created", action: "delete" },
  outbox: { periodDays: 3 * MONTH, basis: "created", action: "delete" },
  audit_log: { periodDays: 3 * YEAR, basis: "created", action: "delete" },
};

export const retentionPresets = {
  /** "Conversations are deleted for good 2 months after the chat" (IP addresses go with them). */
  chats_2_months: {
    ...housekeeping,
    conversations: { periodDays: 2 * MONTH, basis: "created", action: "delete" },
    ip_addresses: { periodDays: 2 * MONTH, basis: "created", action: "truncate_ip" },
  },
  /** "Chat logs are kept 15 months for supervision and training; personal data up to 2 years." */
  logs_15_months: {
    ...housekeeping,
    conversations: { periodDays: 15 * MONTH, basis: "created", action: "delete" },
    subject_accounts: { periodDays: 2 * YEAR, basis: "created", action: "delete" },
    /** "The e-mail inbox is cleared after 2 years." */
    email_correspondence: { periodDays: 2 * YEAR, basis: "created", action: "delete" },
  },
  /** "Chats and accounts are erased 2 years after the last conversation; only the topic is kept." */
  last_conversation_2_years: {
    ...housekeeping,
    conversations: { periodDays: 2 * YEAR, basis: "last_activity", action: "tombstone" },
    subject_accounts: { periodDays: 2 * YEAR, basis: "last_activity", action: "delete" },
  },
  /** "Accounts inactive for 18 months are deleted; unactivated accounts after 30 days; logs 24 months." */
  accounts_18_months: {
    ...housekeeping,
    inactive_accounts: { periodDays: 18 * MONTH, basis: "last_activity", action: "delete" },
    unactivated_accounts: { periodDays: 30, basis: "created", action: "delete" },
    ip_addresses: { periodDays: 2 * YEAR, basis: "created", action: "truncate_ip" },
  },
  /**
   * The Estonian school programme's notice: coordinator accounts inactive 18 months, forum
   * accounts 2 years, unactivated accounts 30 days, unlinked accounts 24 hours, logs 24 months,
   * contact-form data 1 year, backups 12 months after deletion.
   */
  school_programme: {
    ...housekeeping,
    inactive_accounts: { periodDays: 18 * MONTH, basis: "last_activity", action: "delete" },
    inactive_email_accounts: { periodDays: 2 * YEAR, basis: "last_activity", action: "delete" },
    unactivated_accounts: { periodDays: 30, basis: "created", action: "delete" },
    unlinked_accounts: { periodDays: 1, basis: "created", action: "delete" },
    ip_addresses: { periodDays: 2 * YEAR, basis: "created", action: "truncate_ip" },
    contact_form_submissions: { periodDays: YEAR, basis: "created", action: "delete" },
    backups: { periodDays: 12 * MONTH, basis: "created", action: "delete" },
  },
} as const satisfies Record<string, PresetPolicies>;

export type PresetId = keyof typeof retentionPresets;
export const presetIds = Object.keys(retentionPresets) as PresetId[];

export function isPresetId(x: unknown): x is PresetId {
  return typeof x === "string" && (presetIds as string[]).includes(x);
}

export interface PresetDiffRow {
  category: RetentionCategory;
  /** added: no rule yet; changed: a different rule; same: already so; kept: the preset leaves it alone. */
  change: "added" | "changed" | "same" | "kept";
  from: PolicyValues | null;
  to: PolicyValues | null;
}

const sameRule = (a: PolicyValues, b: PolicyValues) => a.periodDays === b.periodDays && a.basis === b.basis && a.action === b.action;

/** What applying a preset would change, category by category (shown before it is applied). */
export async function presetDiff(db: Executor, orgId: string, preset: PresetId): Promise<PresetDiffRow[]> {
  const wanted = retentionPresets[preset] as PresetPolicies;
  const current = await policiesOf(db, orgId);
  return retentionCategories.flatMap((category): PresetDiffRow[] => {
    const now = current.get(category);
    const from = now ? policyValues(now) : null;
    const to = wanted[category] ?? null;
    if (!to) return from ? [{ category, change: "kept", from, to: from }] : [];
    if (!from) return [{ category, change: "added", from, to }];
    return [{ category, change: sameRule(from, to) ? "same" : "changed", from, to }];
  });
}
