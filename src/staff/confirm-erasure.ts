import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { ConflictError, ForbiddenError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { lockRequest, type RequestRow } from "../requests/change-status.js";
import { recordEvent } from "../requests/events.js";
import { isSecondDpo, type StaffActor } from "../platform/policy.js";
import { startFulfilment } from "../fulfilment/start-fulfilment.js";

/** Four-eyes: a second DPO, not the approver, confirms an approved erasure before it may be carried out. */
export async function confirmErasure(ctx: AppContext, actor: StaffActor, { org, requestId }: { org: Organization; requestId: string }): Promise<RequestRow> {
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    if (current.type !== "erasure" || current.status !== "approved" || !current.erasureApprovedBy) throw new ConflictError("not_awaiting_confirmation");
    if (current.erasureConfirmedBy) throw new ConflictError("already_confirmed");
    if (!isSecondDpo(actor, current.erasureApprovedBy)) throw new ForbiddenError("four_eyes");
    const now = ctx.clock.now();
    const [updated] = await tx.update(requests).set({ erasureConfirmedBy: actor.id, updatedAt: now }).where(eq(requests.id, current.id)).returning();
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "erasure_confirmed", visibleToRequester: false });
    await appendAudit(tx, ctx, { orgId: org.id, actor, action: "request.erasure_confirmed", target: { type: "request", id: current.id }, subjectId: current.subjectId, details: { reference: current.reference, approvedBy: current.erasureApprovedBy } });
    return startFulfilment(tx, ctx, actor, org, updated!);
  });
}

