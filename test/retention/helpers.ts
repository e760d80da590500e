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

export { count, rows } from "../support/db.js";

export const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
