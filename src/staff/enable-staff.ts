import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { authorize } from "./policies.js";
import type { StaffActor } from "../platform/policy.js";
import { lockStaffMember, staffAdminActions } from "./staff-members.js";

/** Lets a disabled staff member sign in again (with the password and second factor they had). */
export async function enableStaff(ctx: AppContext, actor: StaffActor, staffId: string, ip?: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockStaffMember(tx, actor.orgId, staffId);
    authorize(actor, "enable", { kind: "staffMember", orgId: target.orgId, id: target.id });
    if (!target.disabledAt) return;
    await tx.update(staffUsers).set({ disabledAt: null }).where(eq(staffUsers.id, target.id));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor: { type: "staff", id: actor.id, role: actor.role }, action: staffAdminActions.enabled,
      target: { type: "staff", id: target.id }, ip,
    });
  });
}
