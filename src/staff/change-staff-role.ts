import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers, type StaffRole } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { authorize } from "./policies.js";
import type { StaffActor } from "../platform/policy.js";
import { endStaffSessions, keepAnAdmin, lockStaffMember, staffAdminActions } from "./staff-members.js";

/**
 * Changes a staff member's role. Their sessions end, so the new role starts with a fresh sign-in
 * (and a second factor enrolled first when the new role needs one). The last admin stays admin.
 */
export async function changeStaffRole(ctx: AppContext, actor: StaffActor, staffId: string, role: StaffRole, ip?: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockStaffMember(tx, actor.orgId, staffId);
    authorize(actor, "changeRole", { kind: "staffMember", orgId: target.orgId, id: target.id });
    if (target.role === role) return;
    if (role !== "admin") await keepAnAdmin(tx, actor.orgId, target);
    await tx.update(staffUsers).set({ role }).where(eq(staffUsers.id, target.id));
    const sessionsEnded = await endStaffSessions(tx, actor.orgId, target.id);
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor: { type: "staff", id: actor.id, role: actor.role }, action: staffAdminActions.roleChanged,
      target: { type: "staff", id: target.id }, details: { from: target.role, to: role, sessionsEnded }, ip,
    });
  });
}
