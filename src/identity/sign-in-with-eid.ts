import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { eidIdentities, type AssuranceLevel } from "../db/schema/index.js";
import type { Session } from "../platform/session.js";
import { eidIdentifierIndex, sealNameFromProvider } from "./eid-identity.js";
import { LINKING_PROOF } from "./eid-link.js";
import type { EidClaims } from "./oidc-client.js";
import { requesterSession } from "./requester-session.js";
import { createSession } from "./sessions.js";
import { auditSignIn, identityActions } from "./sign-in-audit.js";

export interface EidSignInInput {
  org: { id: string };
  claims: EidClaims;
  /** The provider's label from the settings, recorded on the identity, requests and audit. */
  provider: string;
  /** The requester session this browser already had (a step-up), if any. */
  current?: Session;
  /** Any other session this browser had: destroyed, as at every sign-in. */
  previousSessionIdHash?: string;
  ip?: string;
  locale?: string;
}

export type EidSignInResult =
  | { ok: true; session: Session; token: string }
  /** The eID is linked to another subject than the one this session proved: nothing is merged. */
  | { ok: false; reason: "linked_to_another" };


/**
 * Signs a requester in (or steps their session up) with strong eID. The identity is found by its
 * blind index; a step-up keeps who the session proved and records what it was stepped up from.
 * An unlinked eID is linked to the session's subject only when that session proved the subject by
 * chat account or e-mail code; an eID linked to someone else is refused, never merged; a name is
 * never used to match anyone.
 */
export async function signInWithEid(ctx: AppContext, input: EidSignInInput): Promise<EidSignInResult> {
  const orgId = input.org.id;
  const current = input.current?.kind === "requester" && input.current.stage === "complete" && input.current.orgId === orgId ? input.current : undefined;
  return ctx.db.transaction(async (tx): Promise<EidSignInResult> => {
    const now = ctx.clock.now();
    const identity = await findOrCreateIdentity(tx, ctx, orgId, input);
    const sessionSubject = current?.subjectId ?? null;

    if (identity.subjectId && sessionSubject && identity.subjectId !== sessionSubject) {
      await auditSignIn(tx, ctx, {
        orgId, action: identityActions.signInFailed, method: "eid", subjectId: sessionSubject, ip: input.ip,
        target: { type: "eid_identity", id: identity.id }, details: { reason: "linked_to_another", provider: input.provider },
      });
      return { ok: false, reason: "linked_to_another" };
    }

    let linkedBy: string | undefined;
    if (!identity.subjectId && sessionSubject && current && LINKING_PROOF[current.assurance as AssuranceLevel]) {
      linkedBy = LINKING_PROOF[current.assurance as AssuranceLevel]!;
      await tx.update(eidIdentities).set({ subjectId: sessionSubject, linkedBy, linkedAt: now }).where(eq(eidIdentities.id, identity.id));
    }
    const subjectId = identity.subjectId ?? (linkedBy ? sessionSubject : null);
    const steppedUpFrom = current ? (current.assurance === "strong_eid" ? current.steppedUpFrom : current.assurance) : null;

    const { session, token } = await createSession(
      ctx,
      tx,
      {
        ...requesterSession({
          orgId, subjectId, conversationId: current?.conversationId ?? null, email: current?.email ?? null, assurance: "strong_eid", locale: input.locale ?? current?.locale,
        }),
        eidIdentityId: identity.id,
        steppedUpFrom,
        draft: current?.draft ?? null,
      },
      current?.idHash ?? input.previousSessionIdHash,
    );
    await auditSignIn(tx, ctx, {
      orgId, action: identityActions.signInSucceeded, method: "eid", subjectId, ip: input.ip,
      target: { type: "eid_identity", id: identity.id },
      details: { assurance: "strong_eid", provider: input.provider, acr: input.claims.acr, ...(steppedUpFrom ? { steppedUpFrom } : {}), ...(linkedBy ? { linkedBy } : {}) },
    });
    return { ok: true, session, token };
  });
}

async function findOrCreateIdentity(tx: Tx, ctx: AppContext, orgId: string, input: EidSignInInput) {
  const identifierIndex = eidIdentifierIndex(ctx.keys, orgId, input.claims.identifier);
  const now = ctx.clock.now();
  await tx.insert(eidIdentities).values({ orgId, identifierIndex, provider: input.provider }).onConflictDoNothing();
  const [identity] = await tx
    .select()
    .from(eidIdentities)
    .where(and(eq(eidIdentities.orgId, orgId), eq(eidIdentities.identifierIndex, identifierIndex)))
    .for("update");
  const sealed = input.claims.name ? await sealNameFromProvider(tx, ctx.keys, identity!, input.claims.name) : {};
  await tx.update(eidIdentities).set({ ...sealed, provider: input.provider, lastAcr: input.claims.acr, lastSeenAt: now }).where(eq(eidIdentities.id, identity!.id));
  return identity!;
}
