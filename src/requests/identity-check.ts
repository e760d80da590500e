import type { AppContext } from "../context.js";
import { requests } from "../db/schema/index.js";
import { eq } from "drizzle-orm";
import { appendAudit } from "../platform/audit.js";
import { ConflictError, ValidationError } from "../platform/errors.js";
import type { StaffActor } from "../platform/policy.js";
import { markRequesterVerified } from "../identity/staff-verify-requester.js";
import { inTransaction } from "../platform/transaction.js";
import { lockRequest, type RequestRow } from "./change-status.js";
import { recordEvent } from "./events.js";
import { isOpen, type RequestStatus } from "./lifecycle.js";

/**
 * How staff may check a requester's identity out of band (Art. 12(6), EDPB 01/2022 §§58–79):
 * each proportionate, none keeps a copy of a document. "ID seen" records only that it was seen.
 */
export const identityCheckMethods = [
  "call_back_known_number",
  "reply_from_known_address",
  "video_call",
  "in_person_id_seen",
  "details_only_they_know",
] as const;
export type IdentityCheckMethod = (typeof identityCheckMethods)[number];
export const isIdentityCheckMethod = (m: unknown): m is IdentityCheckMethod => typeof m === "string" && (identityCheckMethods as readonly string[]).includes(m);

/**
 * Records that staff checked the requester's identity by one of the listed methods: the request's
 * assurance becomes "staff_verified", the subject (if known) is marked verified for later sessions,
 * and the check is on the timeline and in the audit log — in one transaction.
 */
export async function recordIdentityCheck(ctx: AppContext, actor: StaffActor, orgId: string, requestId: string, method: string): Promise<RequestRow> {
  if (!isIdentityCheckMethod(method)) throw new ValidationError({ method: "requests.errors.identityCheckMethod" });
  return inTransaction(ctx, async (tx) => {
    const current = await lockRequest(tx, requestId, orgId);
    if (!isOpen(current.status as RequestStatus)) throw new ConflictError("request_closed");
    const now = ctx.clock.now();
    const [updated] = await tx
      .update(requests)
      .set({ assurance: "staff_verified", identityCheckMethod: method, identityCheckedAt: now, identityCheckedBy: actor.id, updatedAt: now })
      .where(eq(requests.id, current.id))
      .returning();
    if (current.subjectId) {
      // The method's key, never free text: nothing personal, nothing from a document.
      await markRequesterVerified(ctx, tx, actor, { subjectId: current.subjectId, note: `method:${method}` });
    }
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "identity_verified", note: null });
    await appendAudit(tx, ctx, {
      orgId, actor, action: "request.identity_checked", target: { type: "request", id: current.id }, subjectId: current.subjectId,
      details: { reference: current.reference, method, from: current.assurance, to: "staff_verified", documentStored: false },
    });
    return updated!;
  });
}
