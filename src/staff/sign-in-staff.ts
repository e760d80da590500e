import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema/index.js";
import { emailHash, identifierPseudonym, normalizeEmail } from "../identity/email-address.js";
import { verifyPassword } from "../identity/passwords.js";
import { createSession, deleteSession } from "../identity/sessions.js";
import type { Session } from "../platform/session.js";
import { appendAudit, recordAudit } from "../platform/audit.js";


export const staffAuthActions = {
  signInSucceeded: "staff.sign_in.succeeded",
  signInFailed: "staff.sign_in.failed",
  totpEnrolled: "staff.totp.enrolled",
  totpFailed: "staff.totp.failed",
  totpReset: "staff.totp.reset",
  recoveryCodesIssued: "staff.recovery_codes.issued",
  recoveryCodeUsed: "staff.recovery_code.used",
  reauthenticated: "staff.reauthenticated",
  reauthFailed: "staff.reauth.failed",
  signedOut: "staff.signed_out",
} as const;

export interface StaffSignInInput {
  orgId: string;
  email: string;
  password: string;
  ip?: string;
  previousSessionIdHash?: string;
}

export type StaffSignInResult =
  | { ok: true; session: Session; token: string; next: string; locale: string | null }
  | { ok: false };

/**
 * First factor. An unknown address, a disabled account and a wrong password fail alike (one argon2
 * run each). Every staff member, whatever their role, then needs the second factor: the session
 * is at stage "password" only, and goes on to the code (or to enrolment, the first time).
 */
export async function signInStaff(ctx: AppContext, input: StaffSignInInput): Promise<StaffSignInResult> {
  const email = normalizeEmail(input.email);
  const [staff] = await ctx.db.select().from(staffUsers).where(and(eq(staffUsers.orgId, input.orgId), eq(staffUsers.email, email)));
  const ok = await verifyPassword(staff?.passwordHash ?? null, input.password);
  const identifier = identifierPseudonym(emailHash(ctx.keys, email));
  if (!ok || !staff || staff.disabledAt) {
    await recordAudit(ctx, {
      orgId: input.orgId, actor: { type: "anonymous" }, action: staffAuthActions.signInFailed, ip: input.ip,
      details: { reason: !staff ? "unknown_account" : staff.disabledAt ? "disabled" : "wrong_password", identifier },
    });
    return { ok: false };
  }
  return ctx.db.transaction(async (tx) => {
    const { session, token } = await createSession(ctx, tx, {
      orgId: staff.orgId, kind: "staff", staffId: staff.id, email: staff.email, assurance: "staff",
      stage: "password", reauthAt: null, locale: staff.locale,
    }, input.previousSessionIdHash);
    await appendAudit(tx, ctx, {
      orgId: staff.orgId, actor: { type: "staff", id: staff.id, role: staff.role }, action: staffAuthActions.signInSucceeded, ip: input.ip,
      target: { type: "staff", id: staff.id }, details: { factor: "password", stage: session.stage },
    });
    const next = staff.totpEnrolledAt ? "/staff/totp" : "/staff/totp/setup";
    return { ok: true as const, session, token, next, locale: staff.locale };
  });
}

/** Ends a staff session (audited); any other session is left to expire, only its cookie is cleared. */
export async function signOutStaff(ctx: AppContext, session: Session | undefined, ip?: string): Promise<void> {
  if (session?.kind !== "staff") return;
  await recordAudit(ctx, { orgId: session.orgId, actor: { type: "staff", id: session.staffId }, action: staffAuthActions.signedOut, ip });
  await deleteSession(ctx, session);
}
