import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { eidIdentities, sessions, type AssuranceLevel } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { isTransaction } from "../platform/transaction.js";

/** The sign-ins that prove a subject well enough to link an eID to it in the same session. */
export const LINKING_PROOF: Partial<Record<AssuranceLevel, string>> = { account: "chat_account", email: "email_code", staff_verified: "staff_verified_session" };

type NewRequesterSession = { kind: string; orgId: string; subjectId?: string | null; assurance: string };

/**
 * The other direction of linking in one session: eID first, then the chat account or an e-mail
 * code. When the session being replaced proved an eID, and the new sign-in proves a subject, the
 * eID is linked to that subject (if it is linked to no one else) and the new session keeps the
 * strong eID, recording the sign-in it was combined with. Returns what to add to the new session.
 */
export async function carryEidIntoSignIn(
  ctx: Pick<AppContext, "clock" | "keys">, db: Executor, previousIdHash: string, data: NewRequesterSession,
): Promise<{ eidIdentityId: string; steppedUpFrom: string; assurance: "strong_eid" } | undefined> {
  if (data.kind !== "requester" || !data.subjectId || !LINKING_PROOF[data.assurance as AssuranceLevel] || !isTransaction(db)) return undefined;
  const [previous] = await db.select().from(sessions).where(eq(sessions.idHash, previousIdHash));
  if (!previous?.eidIdentityId || previous.kind !== "requester" || previous.orgId !== data.orgId) return undefined;
  const [identity] = await db.select().from(eidIdentities).where(eq(eidIdentities.id, previous.eidIdentityId)).for("update");
  if (!identity || identity.orgId !== data.orgId) return undefined;
  if (identity.subjectId && identity.subjectId !== data.subjectId) return undefined;
  if (!identity.subjectId) {
    const linkedBy = LINKING_PROOF[data.assurance as AssuranceLevel]!;
    await db.update(eidIdentities).set({ subjectId: data.subjectId, linkedBy, linkedAt: ctx.clock.now() }).where(eq(eidIdentities.id, identity.id));
    await appendAudit(db, ctx, {
      orgId: data.orgId, actor: { type: "subject", id: data.subjectId }, action: "identity.eid.linked", subjectId: data.subjectId,
      target: { type: "eid_identity", id: identity.id }, details: { linkedBy, provider: identity.provider },
    });
  }
  return { eidIdentityId: identity.id, steppedUpFrom: data.assurance, assurance: "strong_eid" };
}
