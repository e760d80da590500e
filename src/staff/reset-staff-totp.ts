import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffRecoveryCodes, staffUsers } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { authorize } from "./policies.js";
import type { StaffActor } from "../platform/policy.js";
import { staffAuthActions } from "./sign-in-staff.js";
import { endStaffSessions, lockStaffMember } from "./staff-members.js";

/**
 * An admin resets another staff member's two-factor sign-in (a lost phone): the secret and the
 * recovery codes are deleted and the member's sessions end, all in one transaction with the audit
 * entry. At their next sign-in the member sets up an authenticator app again and gets new codes.
 */
export async function resetStaffTotp(ctx: AppContext, actor: StaffActor, staffId: string, ip?: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockStaffMember(tx, actor.orgId, staffId);
    authorize(actor, "resetTotp", { kind: "staffMember", orgId: target.orgId, id: target.id });
    await tx.update(staffUsers).set({ totpSecretEnc: null, totpEnrolledAt: null }).where(eq(staffUsers.id, target.id));
    const codes = await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, target.id)).returning({ id: staffRecoveryCodes.id });
    const sessionsEnded = await endStaffSessions(tx, actor.orgId, target.id);
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor: { type: "staff", id: actor.id, role: actor.role }, action: staffAuthActions.totpReset,
      target: { type: "staff", id: target.id }, details: { wasEnrolled: !!target.totpEnrolledAt, recoveryCodesDeleted: codes.length, sessionsEnded }, ip,
    });
  });
}
