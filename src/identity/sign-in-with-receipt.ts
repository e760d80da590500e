import { and, eq, isNotNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations } from "../db/schema/index.js";
import { recordAudit } from "../platform/audit.js";
import { hashReceiptCode, isReceiptCodeShape } from "../platform/codes.js";
import { requesterSession, type SignInContext, type SignInResult } from "./requester-session.js";
import { createSession } from "./sessions.js";
import { erasedReceiptIndex, erasureOutcomePath } from "./erasure-outcome-link.js";
import { auditSignIn, identityActions, signInActor } from "./sign-in-audit.js";

/** An erased conversation's code leads to its erasure's outcome instead of a session. */
export type ReceiptSignInResult = SignInResult | { ok: false; reason: "erased"; outcomePath: string };

export interface ReceiptSignInInput extends SignInContext {
  code: string;
}

/**
 * Sign-in with a conversation's receipt code (GDPR Art. 11(2): information that identifies the
 * data). The session is scoped to that one conversation and names no subject. The code of a
 * conversation erased since leads to that erasure's outcome (found through the tombstone's blind
 * index of the code's hash); any other code is refused exactly like an unknown one.
 */
export async function signInWithReceipt(ctx: AppContext, input: ReceiptSignInInput): Promise<ReceiptSignInResult> {
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

  const tomb = !conv && codeHash ? await tombstoneOf(ctx, orgId, codeHash) : undefined;
  if (tomb) {
    await recordAudit(ctx, {
      orgId, actor: signInActor(null), action: identityActions.signInFailed, target: { type: "conversation", id: tomb.id },
      details: { method: "receipt", reason: "conversation_erased", outcomeShown: true }, ip: input.ip,
    });
    return { ok: false, reason: "erased", outcomePath: erasureOutcomePath(ctx.keys, orgId, tomb.reference) };
  }

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

async function tombstoneOf(ctx: AppContext, orgId: string, codeHash: string): Promise<{ id: string; reference: string } | undefined> {
  const [tomb] = await ctx.db
    .select({ id: conversations.id, reference: conversations.erasedByReference })
    .from(conversations)
    .where(and(eq(conversations.orgId, orgId), eq(conversations.erasedReceiptIndex, erasedReceiptIndex(ctx.keys, codeHash)), isNotNull(conversations.erasedAt)))
    .limit(1);
  return tomb?.reference ? { id: tomb.id, reference: tomb.reference } : undefined;
}
