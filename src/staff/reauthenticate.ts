import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { sessions, staffUsers } from "../db/schema/index.js";
import { verifyPassword } from "../identity/passwords.js";
import type { Session } from "../platform/session.js";
import { appendAudit, recordAudit } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import type { StaffActor } from "../platform/policy.js";
import { staffAuthActions } from "./sign-in-staff.js";

/** Asks for the password again before a destructive action; fresh for REAUTH_MS. */
export async function reauthenticate(ctx: AppContext, actor: StaffActor, session: Session, password: string, ip?: string): Promise<void> {
  const [staff] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, actor.id));
  const who = { type: "staff" as const, id: actor.id, role: actor.role };
  if (!(await verifyPassword(staff?.passwordHash ?? null, password))) {
    await recordAudit(ctx, { orgId: actor.orgId, actor: who, action: staffAuthActions.reauthFailed, target: { type: "staff", id: actor.id }, ip });
    throw new ValidationError({ password: "staff.errors.passwordWrong" });
  }
  await ctx.db.transaction(async (tx) => {
    await tx.update(sessions).set({ reauthAt: ctx.clock.now() }).where(eq(sessions.idHash, session.idHash));
    await appendAudit(tx, ctx, { orgId: actor.orgId, actor: who, action: staffAuthActions.reauthenticated, target: { type: "staff", id: actor.id }, ip });
  });
}
