import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { retentionPolicies } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import type { StaffActor } from "../platform/policy.js";
import type { RetentionCategory } from "./categories.js";
import { policyValues } from "./list-policies.js";

/** Removes a category's policy: its data is then kept until someone sets one again. */
export async function removeRetentionPolicy(ctx: AppContext, actor: StaffActor, category: RetentionCategory): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [old] = await tx
      .delete(retentionPolicies)
      .where(and(eq(retentionPolicies.orgId, actor.orgId), eq(retentionPolicies.category, category)))
      .returning();
    if (!old) return;
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "retention.policy_removed", target: { type: "retention_policy", id: category },
      details: { category, old: policyValues(old), new: null },
    });
  });
}
