import { sql } from "drizzle-orm";
import { retentionPolicies } from "../../src/db/schema/index.js";
import type { PolicyValues, RetentionCategory } from "../../src/retention/categories.js";
import type { TestContext } from "../support/context.js";

export const DAY = 86_400_000;

/** Sets a policy directly (the admin screen is tested on its own). */
export async function setPolicy(ctx: TestContext, orgId: string, category: RetentionCategory, values: PolicyValues): Promise<void> {
  await ctx.db
    .insert(retentionPolicies)
    .values({ orgId, category, ...values })
    .onConflictDoUpdate({ target: [retentionPolicies.orgId, retentionPolicies.category], set: values });
}

export async function rows<T>(ctx: TestContext, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await ctx.db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}

export async function count(ctx: TestContext, table: string, where = "true"): Promise<number> {
  const [r] = await rows<{ n: number | string }>(ctx, sql.raw(`select count(*)::int as n from ${table} where ${where}`));
  return Number(r?.n ?? 0);
}

export const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
