import { and, eq, gt, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema/index.js";
import { hashPassword } from "../identity/passwords.js";
import { assertStrongPassword } from "../identity/password-strength.js";
import { appendAudit, recordAudit } from "../platform/audit.js";
import { sha256Hex } from "../platform/crypto.js";
import type { StaffRow } from "../identity/staff-session.js";
import { staffAdminActions } from "./staff-members.js";

const usable = (orgId: string, token: string, now: Date) =>
  and(
    eq(staffUsers.orgId, orgId),
    eq(staffUsers.inviteTokenHash, sha256Hex(token)),
    gt(staffUsers.inviteExpiresAt, now),
    isNull(staffUsers.disabledAt),
    isNull(staffUsers.passwordHash),
  );

/** The invitation a link stands for, if it still works: right organization, unexpired, unused. */
export async function openInvitation(ctx: AppContext, orgId: string, token: string): Promise<Pick<StaffRow, "id" | "name" | "email" | "role"> | undefined> {
  if (!token) return undefined;
  const [row] = await ctx.db.select({ id: staffUsers.id, name: staffUsers.name, email: staffUsers.email, role: staffUsers.role }).from(staffUsers).where(usable(orgId, token, ctx.clock.now()));
  return row;
}

export type AcceptResult = { ok: true; staffId: string } | { ok: false };

/**
 * Sets the first password (argon2id) through an invitation link; the link works once. A password
 * that is easy to guess or built from the invitee's e-mail address or the organization's name is
 * refused (ValidationError on "password"). The second factor is enrolled at the first sign-in.
 */
export async function acceptInvitation(ctx: AppContext, input: { orgId: string; orgName: string; token: string; password: string; ip?: string }): Promise<AcceptResult> {
  const invitation = await openInvitation(ctx, input.orgId, input.token);
  if (invitation) assertStrongPassword(input.password, { email: invitation.email, orgName: input.orgName });
  const passwordHash = await hashPassword(input.password);
  const accepted = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(staffUsers).where(usable(input.orgId, input.token, ctx.clock.now())).for("update");
    if (!row) return undefined;
    await tx.update(staffUsers).set({ passwordHash, inviteTokenHash: null, inviteExpiresAt: null }).where(eq(staffUsers.id, row.id));
    await appendAudit(tx, ctx, {
      orgId: row.orgId, actor: { type: "staff", id: row.id, role: row.role }, action: staffAdminActions.invitationAccepted,
      target: { type: "staff", id: row.id }, ip: input.ip,
    });
    return row;
  });
  if (accepted) return { ok: true, staffId: accepted.id };
  await auditInvitationFailure(ctx, input.orgId, input.ip);
  return { ok: false };
}

/** A link that does not (or no longer) work, recorded like a failed sign-in. */
export function auditInvitationFailure(ctx: AppContext, orgId: string, ip?: string): Promise<number> {
  return recordAudit(ctx, { orgId, actor: { type: "anonymous" }, action: staffAdminActions.invitationFailed, ip, details: { reason: "invalid_or_expired_link" } });
}
