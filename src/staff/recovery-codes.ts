/**
 * Two-factor recovery codes. Ten are made when a staff member confirms their authenticator app
 * and shown once, on a page they must acknowledge before the staff area opens; one of them may
 * stand in for the app's code at sign-in, once.
 *
 * At rest only HMAC-SHA256 of each code is kept (ctx.keys.keyedHash, keyed by a secret derived
 * from the master key, which is not in the database, and bound to the staff member's id). A code
 * is 10 random characters from a 31-letter alphabet (~49.5 bits), not a human-chosen secret, so a
 * slow hash such as argon2id would add nothing: online guessing is held back by the TOTP step's
 * rate limit (10 tries per 15 minutes), offline guessing needs the key. A keyed hash also lets one
 * indexed `UPDATE … WHERE used_at IS NULL` both find the code and spend it, so two sign-ins racing
 * with the same code cannot both win.
 */
import crypto from "node:crypto";
import { and, count, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { sessions, staffRecoveryCodes, staffUsers } from "../db/schema/index.js";
import type { Session } from "../platform/session.js";
import { appendAudit } from "../platform/audit.js";
import { ConflictError, NotFoundError } from "../platform/errors.js";
import type { StaffRow } from "../identity/staff-session.js";
import { staffAuthActions } from "./sign-in-staff.js";

export const RECOVERY_CODE_COUNT = 10;
/** The session stage between a confirmed enrolment and the acknowledged recovery codes. */
export const RECOVERY_CODES_STAGE = "recovery_codes";

/** No 0/O, 1/I/L: a code copied from paper is read back right. */
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LENGTH = 10;
const PURPOSE = "staff-recovery-code";

/** As shown: two groups of five, e.g. "7K3QM-9XA2B". */
function newRecoveryCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** The code as typed, without spaces or dashes and in capitals; undefined when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

const codeHash = (ctx: AppContext, staffId: string, normalized: string) => ctx.keys.keyedHash(PURPOSE, `${staffId}:${normalized}`);

export async function recoveryCodesLeft(db: AppContext["db"] | Tx, staffId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(staffRecoveryCodes).where(and(eq(staffRecoveryCodes.staffId, staffId), isNull(staffRecoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

/**
 * Spends one recovery code of this staff member in the caller's transaction. Returns how many
 * are left, or undefined when the code is not (or no longer) theirs.
 */
export async function spendRecoveryCode(tx: Tx, ctx: AppContext, staff: StaffRow, input: string): Promise<number | undefined> {
  const normalized = normalizeRecoveryCode(input);
  if (!normalized) return undefined;
  const spent = await tx
    .update(staffRecoveryCodes)
    .set({ usedAt: ctx.clock.now() })
    .where(and(eq(staffRecoveryCodes.staffId, staff.id), eq(staffRecoveryCodes.codeHash, codeHash(ctx, staff.id, normalized)), isNull(staffRecoveryCodes.usedAt)))
    .returning({ id: staffRecoveryCodes.id });
  return spent.length === 1 ? recoveryCodesLeft(tx, staff.id) : undefined;
}

async function staffAtRecoveryStage(ctx: AppContext, session: Session): Promise<StaffRow> {
  if (session.kind !== "staff" || session.stage !== RECOVERY_CODES_STAGE || !session.staffId) throw new ConflictError("recovery_codes_not_due");
  const [staff] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, session.staffId));
  if (!staff || staff.disabledAt || staff.orgId !== session.orgId || !staff.totpEnrolledAt) throw new NotFoundError("staff");
  return staff;
}

/**
 * Makes this staff member's ten recovery codes and returns them for the one page that shows them.
 * Only allowed right after enrolment (session stage "recovery_codes"); showing the page again
 * (a reload) makes a new set and voids the one shown before, so only the set last seen works and
 * no code is ever stored in a readable form.
 */
export async function issueRecoveryCodes(ctx: AppContext, session: Session, ip?: string): Promise<string[]> {
  const staff = await staffAtRecoveryStage(ctx, session);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staff.id));
    await tx.insert(staffRecoveryCodes).values(codes.map((code) => ({
      orgId: staff.orgId, staffId: staff.id, codeHash: codeHash(ctx, staff.id, normalizeRecoveryCode(code)!), createdAt: ctx.clock.now(),
    })));
    await appendAudit(tx, ctx, {
      orgId: staff.orgId, actor: { type: "staff", id: staff.id, role: staff.role }, action: staffAuthActions.recoveryCodesIssued,
      target: { type: "staff", id: staff.id }, details: { count: RECOVERY_CODE_COUNT }, ip,
    });
  });
  return codes;
}

/** The staff member has saved their codes: the sign-in completes. */
export async function acknowledgeRecoveryCodes(ctx: AppContext, session: Session, ip?: string): Promise<StaffRow> {
  const staff = await staffAtRecoveryStage(ctx, session);
  // Nothing to acknowledge before the codes were shown (a POST without the page).
  if ((await recoveryCodesLeft(ctx.db, staff.id)) === 0) throw new ConflictError("recovery_codes_not_shown");
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    await tx.update(sessions).set({ stage: "complete", reauthAt: now }).where(eq(sessions.idHash, session.idHash));
    await appendAudit(tx, ctx, {
      orgId: staff.orgId, actor: { type: "staff", id: staff.id, role: staff.role }, action: staffAuthActions.signInSucceeded,
      target: { type: "staff", id: staff.id }, ip, details: { factor: "totp", stage: "complete", enrolled: true },
    });
  });
  return staff;
}
