import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers } from "../db/schema/index.js";
import { emailHash, identifierPseudonym, normalizeEmail } from "../identity/email-address.js";
import { verifyPassword } from "../identity/passwords.js";
import { createSession, type Session } from "../identity/sessions.js";
import { appendAudit, recordAudit } from "../platform/audit.js";
import { staffHome, totpRequired } from "./guards.js";

export const staffAuthActions = {
  signInSucceeded: "staff.sign_in.succeeded",
  signInFailed: "staff.sign_in.failed",
  totpEnrolled: "staff.totp.enrolled",
  totpFailed: "staff.totp.failed",
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
 * run each). Staff who need a second factor get a session at stage "password" only.
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
  const needsTotp = totpRequired(staff);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const { session, token } = await createSession(ctx, tx, {
      orgId: staff.orgId, kind: "staff", staffId: staff.id, email: staff.email, assurance: "staff",
      stage: needsTotp ? "password" : "complete", reauthAt: needsTotp ? null : now, locale: staff.locale,
    }, input.previousSessionIdHash);
    if (!needsTotp) await tx.update(staffUsers).set({ lastSignInAt: now }).where(eq(staffUsers.id, staff.id));
    await appendAudit(tx, ctx, {
      orgId: staff.orgId, actor: { type: "staff", id: staff.id, role: staff.role }, action: staffAuthActions.signInSucceeded, ip: input.ip,
      target: { type: "staff", id: staff.id }, details: { factor: "password", stage: session.stage },
    });
    const next = !needsTotp ? staffHome(staff.role) : staff.totpEnrolledAt ? "/staff/totp" : "/staff/totp/setup";
    return { ok: true as const, session, token, next, locale: staff.locale };
  });
}
