import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { subjects, verificationCodes } from "../db/schema/index.js";
import { safeEqual } from "../platform/crypto.js";
import { emailHash, identifierPseudonym, normalizeEmail } from "./email-address.js";
import { emailCodeHash, EMAIL_CODE_MAX_TRIES, EMAIL_CODE_TTL_MS } from "./email-codes.js";
import { requesterSession, sessionAssurance, subjectByEmail, type SignInContext } from "./requester-session.js";
import { createSession } from "./sessions.js";
import type { Session } from "../platform/session.js";
import { auditSignIn, identityActions } from "./sign-in-audit.js";

export interface VerifyEmailCodeInput extends SignInContext {
  /** The address the code was sent to (kept, sealed, in the browser between the two pages). */
  email: string;
  code: string;
}

export type VerifyEmailCodeResult =
  | { ok: true; session: Session; token: string }
  /** wrong: try again (triesLeft > 0). old: a code from an earlier mail. expired / dead: ask for a new code. */
  | { ok: false; reason: "wrong"; triesLeft: number }
  | { ok: false; reason: "old" | "expired" | "dead" | "disabled" };

/**
 * Checks an e-mail code. Only the newest live code for the address counts; it is single use,
 * expires after 15 minutes, and dies after 5 wrong tries. Every failure is audited in the same
 * transaction that counts it; a code that dies is audited as a lockout.
 */
export async function verifyEmailCode(ctx: AppContext, input: VerifyEmailCodeInput): Promise<VerifyEmailCodeResult> {
  if (!input.org.verificationMethods.email) return { ok: false, reason: "disabled" };
  const email = normalizeEmail(input.email);
  const addressHash = emailHash(ctx.keys, email);
  const identifier = identifierPseudonym(addressHash);
  const orgId = input.org.id;

  return ctx.db.transaction(async (tx): Promise<VerifyEmailCodeResult> => {
    const now = ctx.clock.now();
    const fail = async (reason: string, extra: Record<string, unknown> = {}) =>
      auditSignIn(tx, ctx, { orgId, action: identityActions.signInFailed, method: "email", ip: input.ip, details: { reason, identifier, ...extra } });

    // The row lock (FOR UPDATE) serializes checks of one code; sending a new code updates the
    // same row, so a check and a supersede never interleave.
    const [row] = await tx
      .select()
      .from(verificationCodes)
      .where(
        and(
          eq(verificationCodes.orgId, orgId),
          eq(verificationCodes.emailHash, addressHash),
          isNull(verificationCodes.consumedAt),
          isNull(verificationCodes.supersededAt),
        ),
      )
      .orderBy(desc(verificationCodes.createdAt))
      .limit(1)
      .for("update");

    if (!row) {
      await fail("no_live_code");
      return { ok: false, reason: "dead" };
    }
    if (row.attempts >= EMAIL_CODE_MAX_TRIES) {
      await fail("code_locked");
      return { ok: false, reason: "dead" };
    }
    if (row.expiresAt.getTime() <= now.getTime()) {
      await fail("code_expired");
      return { ok: false, reason: "expired" };
    }

    const given = emailCodeHash(ctx.keys, orgId, addressHash, input.code);
    if (!safeEqual(given, row.codeHash)) {
      // A code from an older mail (superseded or used): say so, and do not count it against the
      // current code — matching an old code is as hard as matching the current one.
      const old = await tx
        .select({ id: verificationCodes.id })
        .from(verificationCodes)
        .where(
          and(
            eq(verificationCodes.orgId, orgId),
            eq(verificationCodes.emailHash, addressHash),
            eq(verificationCodes.codeHash, given),
            gt(verificationCodes.createdAt, new Date(now.getTime() - EMAIL_CODE_TTL_MS)),
          ),
        )
        .limit(1);
      if (old.length > 0) {
        await fail("old_code");
        return { ok: false, reason: "old" };
      }
      const attempts = row.attempts + 1;
      await tx.update(verificationCodes).set({ attempts }).where(eq(verificationCodes.id, row.id));
      await fail("wrong_code", { attempts });
      if (attempts >= EMAIL_CODE_MAX_TRIES) {
        await auditSignIn(tx, ctx, { orgId, action: identityActions.lockedOut, method: "email", ip: input.ip, details: { reason: "too_many_wrong_codes", identifier } });
        return { ok: false, reason: "dead" };
      }
      return { ok: false, reason: "wrong", triesLeft: EMAIL_CODE_MAX_TRIES - attempts };
    }

    await tx.update(verificationCodes).set({ consumedAt: now }).where(eq(verificationCodes.id, row.id));
    const subject = await subjectByEmail(tx, ctx.keys, orgId, email);
    if (subject && !subject.emailVerifiedAt) {
      await tx.update(subjects).set({ emailVerifiedAt: now }).where(eq(subjects.id, subject.id));
    }
    const { session, token } = await createSession(
      ctx,
      tx,
      requesterSession({
        orgId,
        subjectId: subject?.id ?? null,
        email,
        assurance: sessionAssurance("email", subject),
        locale: input.locale,
      }),
      input.previousSessionIdHash,
    );
    await auditSignIn(tx, ctx, {
      orgId,
      action: identityActions.signInSucceeded,
      method: "email",
      subjectId: subject?.id ?? null,
      ip: input.ip,
      details: { assurance: session.assurance, knownAddress: Boolean(subject), identifier },
    });
    return { ok: true, session, token };
  });
}
