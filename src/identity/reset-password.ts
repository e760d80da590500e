import { subjectById } from "../chats/subject-store.js";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { passwordResets, sessions, subjects } from "../db/schema/index.js";
import { recordAudit } from "../platform/audit.js";
import { sha256Hex } from "../platform/crypto.js";
import { hashPassword } from "./passwords.js";
import { assertStrongPassword } from "./password-strength.js";
import type { SignInOrg } from "./requester-session.js";
import { auditSignIn, identityActions, signInActor } from "./sign-in-audit.js";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Reset tokens are 32 random bytes in base64url; anything else is not worth a query. */
const TOKEN_SHAPE = /^[\w-]{43}$/;

export type PasswordResetRow = typeof passwordResets.$inferSelect;

/** The reset this link names, if it can still be used (unused, unexpired, this organization). */
export async function findUsableReset(ctx: AppContext, orgId: string, token: string): Promise<PasswordResetRow | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const [row] = await ctx.db
    .select()
    .from(passwordResets)
    .where(
      and(
        eq(passwordResets.tokenHash, sha256Hex(token)),
        eq(passwordResets.orgId, orgId),
        isNull(passwordResets.usedAt),
        gt(passwordResets.expiresAt, ctx.clock.now()),
      ),
    );
  return row;
}

export interface ResetPasswordInput {
  org: SignInOrg;
  token: string;
  /** Already checked for length by the route's schema; judged for strength here. */
  password: string;
  ip?: string;
}

export type ResetPasswordResult = { ok: true; subjectId: string } | { ok: false; reason: "invalid_link" | "disabled" };

/**
 * Sets a new password through a reset link. A password that is easy to guess, or built from the
 * account's e-mail address or the organization's name, is refused (ValidationError on "password")
 * and the link stays usable. The link works once; every other open link for the
 * account stops working, and every session of the account ends (someone else may be in it).
 */
export async function resetPassword(ctx: AppContext, input: ResetPasswordInput): Promise<ResetPasswordResult> {
  if (!input.org.verificationMethods.account) return { ok: false, reason: "disabled" };
  const orgId = input.org.id;
  const failed = async (reason: string) => {
    await recordAudit(ctx, { orgId, actor: signInActor(null), action: identityActions.passwordResetFailed, details: { method: "password_reset", reason }, ip: input.ip });
    return { ok: false as const, reason: "invalid_link" as const };
  };
  const usable = await findUsableReset(ctx, orgId, input.token);
  if (!usable) return failed("unusable_link");
  const account = await subjectById(ctx.db, ctx.keys, usable.subjectId, { orgId });
  assertStrongPassword(input.password, { email: account?.email, orgName: input.org.name });
  // argon2 takes a while: hash before taking any lock.
  const passwordHash = await hashPassword(input.password);

  const subjectId = await ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now();
    const [reset] = await tx
      .select()
      .from(passwordResets)
      .where(and(eq(passwordResets.tokenHash, sha256Hex(input.token)), eq(passwordResets.orgId, orgId)))
      .for("update");
    if (!reset || reset.usedAt || reset.expiresAt <= now) return undefined;
    const updated = await tx
      .update(subjects)
      .set({ passwordHash })
      .where(and(eq(subjects.id, reset.subjectId), eq(subjects.orgId, orgId)))
      .returning({ id: subjects.id, emailVerifiedAt: subjects.emailVerifiedAt });
    if (updated.length === 0) return undefined;
    // The link arrived by e-mail, so the address is proved too.
    if (!updated[0]!.emailVerifiedAt) await tx.update(subjects).set({ emailVerifiedAt: now }).where(eq(subjects.id, reset.subjectId));
    await tx
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.subjectId, reset.subjectId), isNull(passwordResets.usedAt)));
    await tx.delete(sessions).where(and(eq(sessions.subjectId, reset.subjectId), eq(sessions.orgId, orgId)));
    await auditSignIn(tx, ctx, {
      orgId,
      action: identityActions.passwordResetCompleted,
      method: "password_reset",
      subjectId: reset.subjectId,
      ip: input.ip,
      details: { sessionsEnded: true },
    });
    return reset.subjectId;
  });
  return subjectId ? { ok: true, subjectId } : failed("link_used_concurrently");
}
