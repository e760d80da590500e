import { asc, desc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { retentionPolicies, retentionRuns } from "../db/schema/index.js";
import { isRetentionCategory, retentionCategories, type PolicyValues, type RetentionCategory } from "./categories.js";

export type PolicyRow = typeof retentionPolicies.$inferSelect;
export type RunRow = typeof retentionRuns.$inferSelect;

export const policyValues = (p: Pick<PolicyRow, "periodDays" | "basis" | "action">): PolicyValues => ({ periodDays: p.periodDays, basis: p.basis, action: p.action });

/** An organization's policies by category (categories without one keep their data). */
export async function policiesOf(db: Executor, orgId: string): Promise<Map<RetentionCategory, PolicyRow>> {
  const rows = await db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgId)).orderBy(asc(retentionPolicies.category));
  return new Map(rows.filter((r) => isRetentionCategory(r.category)).map((r) => [r.category as RetentionCategory, r]));
}

/** What the retention page shows: every category with its policy (or none) and the latest runs. */
export async function retentionOverview(ctx: AppContext, orgId: string, runLimit = 20) {
  const policies = await policiesOf(ctx.db, orgId);
  const runs = await ctx.db.select().from(retentionRuns).where(eq(retentionRuns.orgId, orgId)).orderBy(desc(retentionRuns.startedAt)).limit(runLimit);
  return {
    categories: retentionCategories.map((category) => ({ category, policy: policies.get(category) ?? null })),
    runs,
  };
}
