import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { verificationCodes } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { enqueueOutbox } from "../platform/outbox.js";
import type { MailTemplates } from "../mail/templates.js";
import { emailHash, identifierPseudonym, normalizeEmail } from "./email-address.js";
import { displayEmailCode, emailCodeHash, EMAIL_CODE_TTL_MS, lockAddress, newEmailCode } from "./email-codes.js";
import type { SignInOrg } from "./requester-session.js";
import { identityActions } from "./sign-in-audit.js";

export interface SendEmailCodeInput {
  org: SignInOrg;
  /** A syntactically valid address (the route checked it). */
  email: string;
  /** The language of the page the code was asked for in: the mail is written in it too. */
  locale: string;
  ip?: string;
}

export type SendEmailCodeResult = { ok: true } | { ok: false; reason: "disabled" };

/**
 * "Send me a code". Whether or not anyone with this address is known here, the same work is
 * done — a code row, a queued mail, an audit entry — so neither the reply nor its timing tells
 * an onlooker whether the address is on file. An unknown address can still sign in: that
 * person may ask whether we hold data about them. A new code supersedes any earlier one.
 */
export async function sendEmailCode(ctx: AppContext, input: SendEmailCodeInput): Promise<SendEmailCodeResult> {
  if (!input.org.verificationMethods.email) return { ok: false, reason: "disabled" };
  const email = normalizeEmail(input.email);
  const addressHash = emailHash(ctx.keys, email);
  const code = newEmailCode();
  const now = ctx.clock.now();

  await ctx.db.transaction(async (tx) => {
    await lockAddress(tx, input.org.id, addressHash);
    await tx
      .update(verificationCodes)
      .set({ supersededAt: now })
      .where(
        and(
          eq(verificationCodes.orgId, input.org.id),
          eq(verificationCodes.emailHash, addressHash),
          isNull(verificationCodes.consumedAt),
          isNull(verificationCodes.supersededAt),
        ),
      );
    await tx.insert(verificationCodes).values({
      orgId: input.org.id,
      emailHash: addressHash,
      codeHash: emailCodeHash(ctx.keys, input.org.id, addressHash, code),
      expiresAt: new Date(now.getTime() + EMAIL_CODE_TTL_MS),
      createdAt: now,
    });
    const payload: MailTemplates["verification_code"] = {
      code: displayEmailCode(code),
      minutes: EMAIL_CODE_TTL_MS / 60_000,
      orgName: input.org.name,
    };
    await enqueueOutbox(
      tx,
      ctx.keys,
      { orgId: input.org.id, kind: "email", recipient: email, template: "verification_code", locale: input.locale, payload },
      now,
    );
    await appendAudit(tx, ctx, {
      orgId: input.org.id,
      actor: { type: "anonymous" },
      action: identityActions.emailCodeSent,
      details: { method: "email", identifier: identifierPseudonym(addressHash) },
      ip: input.ip,
    });
  });
  return { ok: true };
}
