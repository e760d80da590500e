/**
 * Whether an organization may open its requester pages: every setting an access package, a
 * notice or a decision needs is filled in (texts in every offered language). Until then the
 * public request pages say "not open yet" (gate.ts) and no access package is built, so a package
 * never sends a requester to "ask our DPO" for something nobody wrote down.
 *
 * Required, and why:
 *  - purposes, legal bases, categories, source: Art. 13(1)(c), 15(1)(a)(b)(g);
 *  - transfers outside the EEA, "none" being an answer: Art. 15(2);
 *  - the DPO's contact: Art. 13(1)(b), and where complaints go first;
 *  - the lead supervisory authority from the directory: Art. 15(1)(f), refusals (Art. 12(4));
 *  - the e-mails' sender name: requesters must recognise the helpline's mail;
 *  - at least one way to prove who you are: otherwise nobody can ask;
 *  - a retention rule for the chats: Art. 15(1)(d) is told from the rules (the other kinds of data
 *    without a rule are simply kept, and the package says nothing made up about them).
 */
import { and, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { retentionPolicies } from "../db/schema/index.js";
import { leadAuthority } from "../requests/authorities.js";
import type { Organization } from "../platform/http/types.js";
import { complete, offeredLocales, readSettings } from "./schema.js";

export const checklistItems = ["purposes", "legalBases", "categories", "source", "transfers", "dpo", "authority", "verification", "senderName", "retention"] as const;
export type ChecklistItemId = (typeof checklistItems)[number];

export interface ChecklistItem {
  id: ChecklistItemId;
  done: boolean;
  /** Where the admin fixes it. */
  href: string;
}

const hrefs: Record<ChecklistItemId, string> = {
  purposes: "/staff/admin/settings/about#field-purposes",
  legalBases: "/staff/admin/settings/about#field-legalBases",
  categories: "/staff/admin/settings/about#field-categories",
  source: "/staff/admin/settings/about#field-source",
  transfers: "/staff/admin/settings/transfers",
  dpo: "/staff/admin/settings/contacts#field-dpoEmail",
  authority: "/staff/admin/settings/contacts#field-authorityCountry",
  verification: "/staff/admin/settings/verification",
  senderName: "/staff/admin/settings/mail",
  retention: "/staff/retention",
};

/** The checklist from the organization's row and whether its chats have a retention rule (pure). */
export function checklistOf(org: Organization, chatsHaveRule: boolean): ChecklistItem[] {
  const s = readSettings(org);
  const locales = offeredLocales(org);
  const m = s.verificationMethods;
  const done: Record<ChecklistItemId, boolean> = {
    purposes: complete(s.purposes, locales),
    legalBases: complete(s.legalBases, locales),
    categories: complete(s.categories, locales),
    source: complete(s.source, locales),
    transfers: s.transfers !== null && (!s.transfers.outsideEea || complete(s.transfers.details, locales)),
    dpo: !!s.dpoEmail?.trim(),
    authority: leadAuthority(s.authorityCountry) !== null,
    verification: m.account || m.email || m.receipt,
    senderName: !!s.mailSenderName?.trim(),
    retention: chatsHaveRule,
  };
  return checklistItems.map((id) => ({ id, done: done[id], href: hrefs[id] }));
}

export async function chatsHaveRetentionRule(db: Executor, orgId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: retentionPolicies.id })
    .from(retentionPolicies)
    .where(and(eq(retentionPolicies.orgId, orgId), eq(retentionPolicies.category, "conversations")))
    .limit(1);
  return !!row;
}

export async function settingsChecklist(db: Executor, org: Organization): Promise<{ items: ChecklistItem[]; ready: boolean }> {
  const items = checklistOf(org, await chatsHaveRetentionRule(db, org.id));
  return { items, ready: items.every((i) => i.done) };
}

export async function isOrganizationReady(db: Executor, org: Organization): Promise<boolean> {
  return (await settingsChecklist(db, org)).ready;
}
