import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { appendAudit, type Actor } from "../platform/audit.js";

/** The ways a requester proves who they are. */
export type SignInMethod = "account" | "email" | "receipt" | "eid";

export const identityActions = {
  signInSucceeded: "identity.sign_in.succeeded",
  signInFailed: "identity.sign_in.failed",
  /** A code died after too many wrong tries. */
  lockedOut: "identity.sign_in.locked_out",
  /** A rate limit started refusing (audited once per window and limit, not per refused try). */
  throttled: "identity.sign_in.throttled",
  emailCodeSent: "identity.email_code.sent",
  passwordResetRequested: "identity.password_reset.requested",
  passwordResetCompleted: "identity.password_reset.completed",
  passwordResetFailed: "identity.password_reset.failed",
  signedOut: "identity.signed_out",
  staffVerified: "identity.requester.staff_verified",
} as const;

export interface SignInAuditInput {
  orgId: string;
  action: string;
  method: SignInMethod | "password_reset";
  subjectId?: string | null;
  target?: { type: string; id: string };
  ip?: string;
  /** Never codes, passwords, tokens or addresses; pseudonyms and reasons only. */
  details?: Record<string, unknown>;
}

/** Sign-in events are done by someone not yet known: the actor is the subject once proved. */
export function signInActor(subjectId: string | null | undefined): Actor {
  return subjectId ? { type: "subject", id: subjectId } : { type: "anonymous" };
}

export function auditSignIn(tx: Tx, ctx: Pick<AppContext, "clock" | "keys">, input: SignInAuditInput): Promise<number> {
  return appendAudit(tx, ctx, {
    orgId: input.orgId,
    actor: signInActor(input.subjectId),
    action: input.action,
    target: input.target,
    subjectId: input.subjectId ?? null,
    details: { method: input.method, ...input.details },
    ip: input.ip,
  });
}
