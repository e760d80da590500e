import type { AppContext } from "../context.js";
import { recordAudit } from "../platform/audit.js";
import { emailHash, identifierPseudonym, normalizeEmail } from "./email-address.js";
import { verifyPassword } from "./passwords.js";
import { requesterSession, sessionAssurance, subjectByEmail, type SignInContext, type SignInResult } from "./requester-session.js";
import { createSession } from "./sessions.js";
import { auditSignIn, identityActions, signInActor } from "./sign-in-audit.js";

export interface PasswordSignInInput extends SignInContext {
  email: string;
  password: string;
}

/**
 * Chat-account sign-in. An unknown address, an address without a password and a wrong password
 * all fail the same way and take the same time (verifyPassword burns an argon2 run regardless).
 */
export async function signInWithPassword(ctx: AppContext, input: PasswordSignInInput): Promise<SignInResult> {
  if (!input.org.verificationMethods.account) return { ok: false, reason: "disabled" };
  const email = normalizeEmail(input.email);
  const subject = await subjectByEmail(ctx.db, ctx.keys, input.org.id, email);
  const ok = await verifyPassword(subject?.passwordHash ?? null, input.password);
  const identifier = identifierPseudonym(emailHash(ctx.keys, email));

  if (!ok || !subject) {
    await recordAudit(ctx, {
      orgId: input.org.id,
      actor: signInActor(null),
      action: identityActions.signInFailed,
      subjectId: subject?.id ?? null,
      details: { method: "account", reason: !subject ? "unknown_account" : subject.passwordHash ? "wrong_password" : "no_password", identifier },
      ip: input.ip,
    });
    return { ok: false, reason: "invalid" };
  }

  return ctx.db.transaction(async (tx) => {
    const { session, token } = await createSession(
      ctx,
      tx,
      requesterSession({
        orgId: input.org.id,
        subjectId: subject.id,
        email,
        assurance: sessionAssurance("account", subject),
        locale: input.locale,
      }),
      input.previousSessionIdHash,
    );
    await auditSignIn(tx, ctx, {
      orgId: input.org.id,
      action: identityActions.signInSucceeded,
      method: "account",
      subjectId: subject.id,
      ip: input.ip,
      details: { assurance: session.assurance },
    });
    return { ok: true as const, session, token };
  });
}
