import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { retentionPolicies } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import type { StaffActor } from "../platform/policy.js";
import { policyErrors, type PolicyValues, type RetentionCategory } from "./categories.js";
import { policyValues } from "./list-policies.js";

/** Sets one category's policy; the audit entry holds the old and the new values. */
export async function updateRetentionPolicy(ctx: AppContext, actor: StaffActor, category: RetentionCategory, values: PolicyValues): Promise<void> {
  const errors = policyErrors(category, values);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  await ctx.db.transaction(async (tx) => {
    const [old] = await tx
      .select()
      .from(retentionPolicies)
      .where(and(eq(retentionPolicies.orgId, actor.orgId), eq(retentionPolicies.category, category)))
      .for("update");
    const now = ctx.clock.now();
    await tx
      .insert(retentionPolicies)
      .values({ orgId: actor.orgId, category, ...values, updatedAt: now })
      .onConflictDoUpdate({ target: [retentionPolicies.orgId, retentionPolicies.category], set: { ...values, updatedAt: now } });
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "retention.policy_changed", target: { type: "retention_policy", id: category },
      details: { category, old: old ? policyValues(old) : null, new: values },
    });
  });
}
