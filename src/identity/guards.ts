import type { Request, RequestHandler } from "express";
import type { AssuranceLevel } from "../db/schema/index.js";
import { UnauthenticatedError } from "../platform/errors.js";
import { setNoStore } from "../platform/http/no-store.js";
import type { Session } from "../platform/session.js";

/** Who a signed-in requester is, as far as the portal knows. */
export interface Requester {
  subjectId: string | null;
  /** Set for receipt-code sessions: the one conversation this person proved. */
  conversationId: string | null;
  email: string | null;
  assurance: AssuranceLevel;
  /** Strong eID proved in this session, and the sign-in it was stepped up from (null: none). */
  eidIdentityId?: string | null;
  steppedUpFrom?: AssuranceLevel | null;
}

/** Strong eID is the highest: no other sign-in, nor a staff check, stands in for it where it is required. */
export const assuranceOrder: readonly AssuranceLevel[] = ["receipt", "email", "account", "staff_verified", "strong_eid"];

export function atLeast(level: AssuranceLevel, required: AssuranceLevel): boolean {
  return assuranceOrder.indexOf(level) >= assuranceOrder.indexOf(required);
}

export function requesterOf(req: Request): Requester | undefined {
  return requesterOfSession(req.session);
}

/** The same, from the session alone (a route table's call carries the session, not the request). */
export function requesterOfSession(s: Session | undefined): Requester | undefined {
  if (!s || s.kind !== "requester" || s.stage !== "complete") return undefined;
  return {
    subjectId: s.subjectId, conversationId: s.conversationId, email: s.email, assurance: s.assurance as AssuranceLevel,
    // Only where a strong eID was proved: other requesters look as they always did.
    ...(s.eidIdentityId ? { eidIdentityId: s.eidIdentityId, steppedUpFrom: s.steppedUpFrom as AssuranceLevel | null } : {}),
  };
}

/** Pages for signed-in requesters (never cached): others go to sign-in and come back afterwards. */
export function requireRequester(): RequestHandler {
  return (req, res, next) => {
    setNoStore(res);
    if (requesterOf(req)) return next();
    if (req.method === "GET") return res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    next(new UnauthenticatedError());
  };
}
