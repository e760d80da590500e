import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { authorize } from "./policies.js";
import type { StaffActor } from "../platform/policy.js";
import { endStaffSessions, keepAnAdmin, lockStaffMember, staffAdminActions } from "./staff-members.js";

/**
 * Disables a staff member: their sessions end at once (in the same transaction), an open
 * invitation link stops working, and the organization always keeps an active admin.
 */
export async function disableStaff(ctx: AppContext, actor: StaffActor, staffId: string, ip?: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockStaffMember(tx, actor.orgId, staffId);
    authorize(actor, "disable", { kind: "staffMember", orgId: target.orgId, id: target.id });
    if (target.disabledAt) return;
    await keepAnAdmin(tx, actor.orgId, target);
    await tx.update(staffUsers).set({ disabledAt: ctx.clock.now(), inviteTokenHash: null, inviteExpiresAt: null }).where(eq(staffUsers.id, target.id));
    const sessionsEnded = await endStaffSessions(tx, actor.orgId, target.id);
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor: { type: "staff", id: actor.id, role: actor.role }, action: staffAdminActions.disabled,
      target: { type: "staff", id: target.id }, details: { sessionsEnded }, ip,
    });
  });
}
