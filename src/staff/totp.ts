import { eq } from "drizzle-orm";
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import type { AppContext } from "../context.js";
import { rateLimits, sessions, staffUsers } from "../db/schema/index.js";
import type { Session } from "../platform/session.js";
import { appendAudit, recordAudit } from "../platform/audit.js";
import { ConflictError, NotFoundError, ValidationError } from "../platform/errors.js";
import { staffAuthActions } from "./sign-in-staff.js";
import { RECOVERY_CODES_STAGE, spendRecoveryCode } from "./recovery-codes.js";
import type { Tx } from "../db/client.js";
import type { StaffRow } from "../identity/staff-session.js";

export const TOTP_SECRET_PURPOSE = "totp";
const PURPOSE = TOTP_SECRET_PURPOSE;
const PERIOD_S = 30;

async function staffOf(ctx: AppContext, session: Session): Promise<StaffRow> {
  const [staff] = session.staffId ? await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, session.staffId)) : [];
  if (!staff || staff.disabledAt || staff.orgId !== session.orgId) throw new NotFoundError("staff");
  return staff;
}

export interface TotpEnrolment {
  secret: string;
  qrDataUrl: string;
}

/** Shows (creating once) the secret to enrol: kept encrypted until a code confirms it. */
export async function totpEnrolment(ctx: AppContext, session: Session, issuer: string): Promise<TotpEnrolment> {
  const staff = await staffOf(ctx, session);
  if (staff.totpEnrolledAt) throw new ConflictError("totp_already_enrolled");
  let secret = staff.totpSecretEnc ? ctx.keys.openWithMaster(staff.totpSecretEnc, PURPOSE) : undefined;
  if (!secret) {
    secret = generateSecret();
    await ctx.db.update(staffUsers).set({ totpSecretEnc: ctx.keys.sealWithMaster(secret, PURPOSE) }).where(eq(staffUsers.id, staff.id));
  }
  const uri = generateURI({ issuer, label: staff.email, secret });
  return { secret, qrDataUrl: await QRCode.toDataURL(uri) };
}

/**
 * Checks a code (one step of clock drift either way) and refuses a code already used: the time
 * step is remembered per staff member, so an observed code cannot be replayed.
 */
async function checkCode(ctx: AppContext, staff: StaffRow, code: string): Promise<boolean> {
  if (!staff.totpSecretEnc || !/^\d{6}$/.test(code)) return false;
  const secret = ctx.keys.openWithMaster(staff.totpSecretEnc, PURPOSE);
  const epoch = Math.floor(ctx.clock.now().getTime() / 1000);
  const result = await verify({ secret, token: code, epoch, epochTolerance: PERIOD_S });
  if (!result.valid) return false;
  const step = Math.floor(epoch / PERIOD_S) + (("delta" in result && typeof result.delta === "number") ? result.delta : 0);
  const key = `totp-used:${staff.id}:${step}:${code}`;
  const inserted = await ctx.db.insert(rateLimits).values({ key, hits: 1, resetAt: new Date(ctx.clock.now().getTime() + 5 * 60_000) }).onConflictDoNothing().returning({ key: rateLimits.key });
  return inserted.length === 1;
}

export type TotpOutcome =
  /** Signed in; `recoveryCodesLeft` is set when a recovery code stood in for the app's code. */
  | { stage: "complete"; staff: StaffRow; recoveryCodesLeft?: number }
  /** Enrolment confirmed: the recovery codes are shown next, and must be acknowledged. */
  | { stage: typeof RECOVERY_CODES_STAGE; staff: StaffRow };

/**
 * Completes sign-in with the second factor: a current code from the app (at first use this also
 * confirms the enrolment, and the recovery codes come next), or, once enrolled, one unused
 * recovery code instead (spent, audited, and the staff member is told how many are left).
 */
export async function completeTotp(ctx: AppContext, session: Session, code: string, ip?: string): Promise<TotpOutcome> {
  const staff = await staffOf(ctx, session);
  const actor = { type: "staff" as const, id: staff.id, role: staff.role };
  const now = ctx.clock.now();
  const signedIn = (tx: Tx, factor: string) =>
    appendAudit(tx, ctx, { orgId: staff.orgId, actor, action: staffAuthActions.signInSucceeded, target: { type: "staff", id: staff.id }, ip, details: { factor, stage: "complete" } });

  if (await checkCode(ctx, staff, code.replace(/\s/g, ""))) {
    const enrolling = !staff.totpEnrolledAt;
    await ctx.db.transaction(async (tx) => {
      await tx.update(staffUsers).set({ lastSignInAt: now, ...(enrolling ? { totpEnrolledAt: now } : {}) }).where(eq(staffUsers.id, staff.id));
      await tx.update(sessions).set({ stage: enrolling ? RECOVERY_CODES_STAGE : "complete", reauthAt: enrolling ? null : now }).where(eq(sessions.idHash, session.idHash));
      if (enrolling) await appendAudit(tx, ctx, { orgId: staff.orgId, actor, action: staffAuthActions.totpEnrolled, target: { type: "staff", id: staff.id }, ip });
      else await signedIn(tx, "totp");
    });
    return enrolling ? { stage: RECOVERY_CODES_STAGE, staff } : { stage: "complete", staff };
  }

  const left = staff.totpEnrolledAt
    ? await ctx.db.transaction(async (tx) => {
      const remaining = await spendRecoveryCode(tx, ctx, staff, code);
      if (remaining === undefined) return undefined;
      await tx.update(staffUsers).set({ lastSignInAt: now }).where(eq(staffUsers.id, staff.id));
      await tx.update(sessions).set({ stage: "complete", reauthAt: now }).where(eq(sessions.idHash, session.idHash));
      await appendAudit(tx, ctx, { orgId: staff.orgId, actor, action: staffAuthActions.recoveryCodeUsed, target: { type: "staff", id: staff.id }, ip, details: { remaining } });
      await signedIn(tx, "recovery_code");
      return remaining;
    })
    : undefined;
  if (left === undefined) {
    await recordAudit(ctx, { orgId: staff.orgId, actor, action: staffAuthActions.totpFailed, target: { type: "staff", id: staff.id }, ip });
    throw new ValidationError({ code: "staff.errors.totpInvalid" });
  }
  return { stage: "complete", staff, recoveryCodesLeft: left };
}
