/**
 * The Art. 15(1) information every access package carries: purposes, categories, recipients by
 * name, retention, source, the rights, the supervisory authority and the absence of automated
 * decision-making. Texts come from organizations.privacyInfo (a string, a list, or either per
 * language: { "en": …, "fi": … }), the recipients and retention_policies tables, and translated
 * defaults for what is a fact of this system (e.g. which categories of data it keeps).
 */
import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { recipients, retentionPolicies } from "../db/schema/index.js";
import { authorityFor, type SupervisoryAuthority } from "../complaints/authorities.js";
import type { Locale, Translate } from "../platform/i18n.js";
import type { OrganizationRow } from "./package-data.js";

export interface ArticleFifteenInfo {
  controller: { name: string; dpoEmail: string | null };
  purposes: string[];
  categories: string[];
  recipients: { name: string; description: string | null }[];
  retention: string[];
  source: string[];
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

type Localized = string | string[] | Record<string, string | string[]>;

/** Reads one privacyInfo field in the package language, falling back to English, then to any. */
export function localizedList(value: unknown, locale: Locale): string[] {
  const asList = (v: unknown): string[] =>
    typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  if (typeof value === "string" || Array.isArray(value)) return asList(value).map((s) => s.trim()).filter(Boolean);
  if (value && typeof value === "object") {
    const map = value as Record<string, Localized>;
    const picked = map[locale] ?? map.en ?? Object.values(map)[0];
    return asList(picked).map((s) => s.trim()).filter(Boolean);
  }
  return [];
}

function safeAuthority(country: string): SupervisoryAuthority | undefined {
  try {
    return authorityFor(country);
  } catch {
    return undefined;
  }
}

export async function articleFifteenInfo(db: Executor, org: OrganizationRow, locale: Locale, t: Translate, portalUrl: string): Promise<ArticleFifteenInfo> {
  const info = org.privacyInfo ?? {};
  const askDpo = t("exports.info.askDpo", { contact: org.dpoEmail ?? org.name });

  const fromTable = await db
    .select({ name: recipients.name, description: recipients.description })
    .from(recipients)
    .where(and(eq(recipients.orgId, org.id), eq(recipients.active, true)))
    .orderBy(asc(recipients.name));
  const named = localizedList(info.recipients, locale).map((name) => ({ name, description: null as string | null }));
  const seen = new Set<string>();
  const allRecipients = [...fromTable, ...named].filter((r) => {
    const key = r.name.trim().toLocaleLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const policies = await db
    .select()
    .from(retentionPolicies)
    .where(eq(retentionPolicies.orgId, org.id))
    .orderBy(asc(retentionPolicies.category));
  const retention = [
    ...localizedList(info.retention, locale),
    ...policies.map((p) =>
      t("exports.info.retentionPolicy", {
        category: p.category,
        days: p.periodDays,
        basis: t(`exports.info.retentionBasis.${p.basis === "last_activity" ? "last_activity" : "created"}`),
      }),
    ),
  ];

  const authority = safeAuthority(org.authorityCountry);
  const listOr = (value: unknown, fallback: string) => {
    const list = localizedList(value, locale);
    return list.length > 0 ? list : [fallback];
  };
  return {
    controller: { name: org.name, dpoEmail: org.dpoEmail },
    purposes: listOr(info.purposes, askDpo),
    categories: listOr(info.categories, t("exports.info.categoriesDefault")),
    recipients: allRecipients,
    retention: retention.length > 0 ? retention : [askDpo],
    source: listOr(info.source, t("exports.info.sourceDefault")),
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
