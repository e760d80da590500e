import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { retentionPolicies } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import type { StaffActor } from "../platform/policy.js";
import { isRetentionCategory, type PolicyValues } from "./categories.js";
import { policyValues } from "./list-policies.js";
import { retentionPresets, type PresetId } from "./presets.js";

/**
 * Sets the rules a preset names, keeping every rule it does not mention, in one transaction with
 * one audit entry (the old and new rules of the categories it touched).
 */
export async function applyRetentionPreset(ctx: AppContext, actor: StaffActor, preset: PresetId): Promise<void> {
  const wanted = retentionPresets[preset] as Record<string, PolicyValues>;
  await ctx.db.transaction(async (tx) => {
    const touched = Object.keys(wanted);
    const removed = await tx.delete(retentionPolicies).where(and(eq(retentionPolicies.orgId, actor.orgId), inArray(retentionPolicies.category, touched))).returning();
    const now = ctx.clock.now();
    await tx.insert(retentionPolicies).values(Object.entries(wanted).map(([category, v]) => ({ orgId: actor.orgId, category, ...v, updatedAt: now })));
    const old = Object.fromEntries(removed.filter((r) => isRetentionCategory(r.category)).map((r) => [r.category, policyValues(r)]));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "retention.preset_applied", target: { type: "retention_preset", id: preset },
      details: { preset, old, new: wanted },
    });
  });
}
