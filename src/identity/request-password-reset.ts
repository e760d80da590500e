import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { passwordResets } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { randomToken, sha256Hex } from "../platform/crypto.js";
import { enqueueOutbox } from "../platform/outbox.js";
import { keyOfSubject } from "../platform/subject-keys.js";
import type { MailTemplates } from "../mail/templates.js";
import { emailHash, identifierPseudonym, normalizeEmail } from "./email-address.js";
import { subjectByEmail, type SignInOrg } from "./requester-session.js";
import { signInActor, identityActions } from "./sign-in-audit.js";
import { padToFloor } from "./timing.js";

export const PASSWORD_RESET_TTL_MS = 30 * 60_000;
/** Both paths (account or not) take at least this long, so timing does not tell them apart. */
export const PASSWORD_RESET_FLOOR_MS = 250;

export interface RequestPasswordResetInput {
  org: SignInOrg;
  email: string;
  locale: string;
  /** Where links in mail point (config BASE_URL), without a trailing slash. */
  baseUrl: string;
  ip?: string;
}

export type RequestPasswordResetResult = { ok: true } | { ok: false; reason: "disabled" };

/**
 * "I forgot my password". The reply is the same for every address. An account holder gets a
 * single-use link valid for 30 minutes (stored as a SHA-256 hash; earlier links stop working);
 * an address without an account gets a mail saying so, which only its owner can read.
 */
export async function requestPasswordReset(ctx: AppContext, input: RequestPasswordResetInput): Promise<RequestPasswordResetResult> {
  if (!input.org.verificationMethods.account) return { ok: false, reason: "disabled" };
  const started = performance.now();
  const email = normalizeEmail(input.email);
  const orgId = input.org.id;
  const subject = await subjectByEmail(ctx.db, ctx.keys, orgId, email);
  const account = subject?.passwordHash ? subject : undefined;
  const now = ctx.clock.now();

  await ctx.db.transaction(async (tx) => {
    let resetUrl = "";
    if (account) {
      const token = randomToken(32);
      await tx
        .update(passwordResets)
        .set({ usedAt: now })
        .where(and(eq(passwordResets.subjectId, account.id), isNull(passwordResets.usedAt)));
      await tx.insert(passwordResets).values({
        orgId,
        subjectId: account.id,
        tokenHash: sha256Hex(token),
        expiresAt: new Date(now.getTime() + PASSWORD_RESET_TTL_MS),
        createdAt: now,
      });
      resetUrl = `${input.baseUrl}/password-reset/${token}`;
    }
    const payload: MailTemplates["password_reset"] = { resetUrl, minutes: PASSWORD_RESET_TTL_MS / 60_000, orgName: input.org.name };
    // The address is a subject's: sealed under their key, so an erasure shreds the mail too.
    const subjectKey = subject ? await keyOfSubject(tx, ctx.keys, subject.id) : undefined;
    await enqueueOutbox(tx, ctx.keys, { orgId, kind: "email", recipient: email, template: "password_reset", locale: input.locale, payload, subjectKey }, now);
    await appendAudit(tx, ctx, {
      orgId,
      actor: signInActor(null),
      action: identityActions.passwordResetRequested,
      subjectId: account?.id ?? null,
      details: { method: "password_reset", account: Boolean(account), identifier: identifierPseudonym(emailHash(ctx.keys, email)) },
      ip: input.ip,
    });
  });
  await padToFloor(started, PASSWORD_RESET_FLOOR_MS);
  return { ok: true };
}
