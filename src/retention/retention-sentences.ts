/**
 * Retention told to requesters in plain sentences generated from the organization's retention
 * rules (GDPR Art. 15(1)(d)): "Your chats are deleted 2 years after your last chat with us."
 * Never a table or category name. A kind of data without a rule gets no sentence.
 */
import { asc, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { retentionPolicies } from "../db/schema/index.js";
import { isRetentionCategory, retentionCategories, type RetentionCategory } from "./categories.js";
import type { Locale, Translate } from "../platform/i18n.js";

/** Years and months as the retention presets count them (365 and 30 days), else days. */
export function plainPeriod(days: number, locale: Locale, t: Translate): string {
  const [unit, n] = days % 365 === 0 ? ["years", days / 365] : days % 30 === 0 ? ["months", days / 30] : ["days", days];
  const form = new Intl.PluralRules(locale).select(n) === "one" ? "one" : "other";
  return t(`exports.retention.period.${unit}.${form}`, { n });
}

/** Categories whose "delete the content, keep a bare record" action gets a second sentence. */
const tombstoned = new Set<RetentionCategory>(["conversations", "closed_requests"]);

export async function retentionSentences(db: Executor, orgId: string, t: Translate, locale: Locale = "en"): Promise<string[]> {
  const rows = await db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgId)).orderBy(asc(retentionPolicies.category));
  const byCategory = new Map(rows.filter((r) => isRetentionCategory(r.category)).map((r) => [r.category as RetentionCategory, r]));
  return retentionCategories.flatMap((category) => {
    const rule = byCategory.get(category);
    if (!rule) return [];
    const sentence = t(`exports.retention.rules.${category}.${rule.basis}`, { period: plainPeriod(rule.periodDays, locale, t) });
    return rule.action === "tombstone" && tombstoned.has(category) ? [sentence, t(`exports.retention.tombstone.${category}`)] : [sentence];
  });
}
