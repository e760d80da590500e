import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations } from "../db/schema/index.js";
import { recordAudit } from "../platform/audit.js";
import { hashReceiptCode, isReceiptCodeShape } from "../platform/codes.js";
import { requesterSession, type SignInContext, type SignInResult } from "./requester-session.js";
import { createSession } from "./sessions.js";
import { auditSignIn, identityActions, signInActor } from "./sign-in-audit.js";

export interface ReceiptSignInInput extends SignInContext {
  code: string;
}

/**
 * Sign-in with a conversation's receipt code (GDPR Art. 11(2): information that identifies the
 * data). The session is scoped to that one conversation and names no subject. Erased
 * conversations are refused exactly like unknown codes.
 */
export async function signInWithReceipt(ctx: AppContext, input: ReceiptSignInInput): Promise<SignInResult> {
  if (!input.org.verificationMethods.receipt) return { ok: false, reason: "disabled" };
  const orgId = input.org.id;
  const codeHash = isReceiptCodeShape(input.code) ? hashReceiptCode(input.code) : undefined;
  const [conv] = codeHash
    ? await ctx.db
        .select({ id: conversations.id, erasedAt: conversations.erasedAt })
        .from(conversations)
        .where(and(eq(conversations.orgId, orgId), eq(conversations.receiptCodeHash, codeHash)))
        .limit(1)
    : [];

  if (!conv || conv.erasedAt) {
    await recordAudit(ctx, {
      orgId,
      actor: signInActor(null),
      action: identityActions.signInFailed,
      // The erased conversation's id is only recorded internally; the reply is the same.
      target: conv ? { type: "conversation", id: conv.id } : undefined,
      details: { method: "receipt", reason: !codeHash ? "malformed_code" : conv ? "conversation_erased" : "unknown_code" },
      ip: input.ip,
    });
    return { ok: false, reason: "invalid" };
  }

  return ctx.db.transaction(async (tx) => {
    const { session, token } = await createSession(
      ctx,
      tx,
      requesterSession({ orgId, subjectId: null, conversationId: conv.id, email: null, assurance: "receipt", locale: input.locale }),
      input.previousSessionIdHash,
    );
    await auditSignIn(tx, ctx, {
      orgId,
      action: identityActions.signInSucceeded,
      method: "receipt",
      target: { type: "conversation", id: conv.id },
      ip: input.ip,
      details: { assurance: "receipt" },
    });
    return { ok: true as const, session, token };
  });
}
