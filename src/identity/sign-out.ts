import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { sessions } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { identityActions } from "./sign-in-audit.js";
import type { Session } from "../platform/session.js";

export interface SignOutInput {
  session: Session | undefined;
  ip?: string;
}

/** Ends the session (the row is deleted, so the cookie is worthless even if kept). */
export async function signOut(ctx: AppContext, input: SignOutInput): Promise<{ signedOut: boolean }> {
  const session = input.session;
  if (!session) return { signedOut: false };
  const actor: Actor =
    session.kind === "staff"
      ? { type: "staff", id: session.staffId }
      : session.subjectId
        ? { type: "subject", id: session.subjectId }
        : { type: "anonymous" };
  await ctx.db.transaction(async (tx) => {
    await tx.delete(sessions).where(eq(sessions.idHash, session.idHash));
    await appendAudit(tx, ctx, {
      orgId: session.orgId,
      actor,
      action: identityActions.signedOut,
      subjectId: session.subjectId,
      target: session.conversationId ? { type: "conversation", id: session.conversationId } : undefined,
      details: { kind: session.kind, assurance: session.assurance },
      ip: input.ip,
    });
  });
  return { signedOut: true };
}
