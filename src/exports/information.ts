/**
 * The Art. 15 information every access package carries: purposes and legal bases, categories,
 * recipients by name, retention, source, transfers outside the EEA and their safeguards (15(2)),
 * the rights, the supervisory authority and the absence of automated decision-making. The texts
 * are the organization's settings in the package language (settings/schema.ts); retention is told
 * in plain sentences generated from its retention rules. A package is only built for an
 * organization whose settings are complete (settings/readiness.ts), so nothing here falls back to
 * "ask our DPO".
 */
import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { recipients } from "../db/schema/index.js";
import { leadAuthority } from "../requests/authorities.js";
import type { Locale, Translate } from "../platform/i18n.js";
import { readPrivacySettings, textIn, type LocalizedText } from "../settings/schema.js";
import type { OrganizationRow } from "./package-data.js";
import { retentionSentences } from "../retention/retention-sentences.js";

export interface ArticleFifteenInfo {
  controller: { name: string; dpoEmail: string | null };
  purposes: string[];
  legalBases: string[];
  categories: string[];
  recipients: { name: string; description: string | null }[];
  /** Disclosures the organization recorded about these conversations (a child-protection or police report). */
  disclosures: string[];
  retention: string[];
  source: string[];
  transfers: { outsideEea: boolean; details: string[] };
  automatedDecisionMaking: string;
  rights: string[];
  supervisoryAuthority: {
    country: string;
    name: string;
    nameEnglish: string;
    postalAddress: string[];
    complaintUrl: string;
    website: string;
  } | null;
}

/** Named recipients an organization kept in privacy_info before the recipients table: a name or a list. */
function legacyRecipients(value: unknown): string[] {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  return list.filter((x): x is string => typeof x === "string").map((s) => s.trim()).filter(Boolean);
}

/** One setting's text in the package language as list items: one per line. */
const lines = (text: LocalizedText, locale: Locale, fallback: string) =>
  textIn(text, locale, fallback).split("\n").map((l) => l.trim()).filter(Boolean);

/** A legal hold records why a conversation was disclosed and kept: each one told as a sentence. */
function disclosuresOf(convs: readonly { startedAt: Date; legalHoldReason: string | null }[], t: Translate, locale: Locale, timeZone: string): string[] {
  const day = new Intl.DateTimeFormat(locale === "en" ? "en-GB" : locale, { timeZone, dateStyle: "long" });
  return convs
    .filter((c) => c.legalHoldReason === "child_protection_report" || c.legalHoldReason === "police_report")
    .map((c) => t(`exports.info.disclosure.${c.legalHoldReason}`, { date: day.format(c.startedAt) }));
}

export async function articleFifteenInfo(
  db: Executor, org: OrganizationRow, locale: Locale, t: Translate, portalUrl: string,
  inScope: readonly { startedAt: Date; legalHoldReason: string | null }[] = [],
): Promise<ArticleFifteenInfo> {
  const settings = readPrivacySettings(org.privacyInfo);
  const text = (value: LocalizedText) => lines(value, locale, org.defaultLocale);

  const fromTable = await db
    .select({ name: recipients.name, description: recipients.description })
    .from(recipients)
    .where(and(eq(recipients.orgId, org.id), eq(recipients.active, true)))
    .orderBy(asc(recipients.name));
  const named = legacyRecipients(org.privacyInfo?.recipients).map((name) => ({ name, description: null as string | null }));
  const seen = new Set<string>();
  const allRecipients = [...fromTable, ...named].filter((r) => {
    const key = r.name.trim().toLocaleLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const transfers = settings.transfers;
  const authority = leadAuthority(org.authorityCountry);
  return {
    controller: { name: org.name, dpoEmail: org.dpoEmail },
    purposes: text(settings.purposes),
    legalBases: text(settings.legalBases),
    categories: text(settings.categories),
    recipients: allRecipients,
    disclosures: disclosuresOf(inScope, t, locale, org.timeZone),
    retention: await retentionSentences(db, org.id, t, locale),
    source: text(settings.source),
    transfers: transfers?.outsideEea ? { outsideEea: true, details: text(transfers.details) } : { outsideEea: false, details: [t("exports.info.transfersNone")] },
    automatedDecisionMaking: t("exports.info.automatedNone"),
    rights: [
      t("exports.rights.rectification"),
      t("exports.rights.erasure"),
      t("exports.rights.restriction"),
      t("exports.rights.objection"),
      t("exports.rights.portability"),
      t("exports.rights.howTo", { url: portalUrl }),
    ],
    supervisoryAuthority: authority
      ? {
          country: authority.country,
          name: authority.nameLocal,
          nameEnglish: authority.nameEnglish,
          postalAddress: authority.postalAddress,
          complaintUrl: authority.complaintUrl,
          website: authority.website,
        }
      : null,
  };
}
