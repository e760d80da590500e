import type { PolicyValues, RetentionCategory } from "./categories.js";

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
} as const satisfies Record<string, PresetPolicies>;

export type PresetId = keyof typeof retentionPresets;
export const presetIds = Object.keys(retentionPresets) as PresetId[];

export function isPresetId(x: unknown): x is PresetId {
  return typeof x === "string" && (presetIds as string[]).includes(x);
}
