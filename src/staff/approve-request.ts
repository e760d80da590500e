import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { ValidationError } from "../platform/errors.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { decisionTemplate, sendDecision } from "./decision-notice.js";
import { startFulfilment } from "../fulfilment/start-fulfilment.js";
import { REQUESTER_MESSAGE_MAX } from "./schema.js";

/**
 * Approves a request. An erasure stays "approved" with erasureApprovedBy set: it may be carried out
 * only after a second DPO confirms (confirm-erasure.ts).
 */
export async function approveRequest(ctx: AppContext, actor: StaffActor, { org, requestId, message }: { org: Organization; requestId: string; message: string }): Promise<RequestRow> {
  if (message.length > REQUESTER_MESSAGE_MAX) throw new ValidationError({ message: "platform.errors.tooLong" });
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    const now = ctx.clock.now();
    const updated = await changeStatus(tx, ctx, actor, current, {
      to: "approved", kind: "approved",
      set: { decision: "approved", decidedAt: now, decidedBy: actor.id, ...(current.type === "erasure" ? { erasureApprovedBy: actor.id } : {}) },
    });
    const text = message.trim() || decisionTemplate("approve", current, org);
    await sendDecision(tx, ctx, org, actor, current, "approved", text);
    return startFulfilment(tx, ctx, actor, org, updated);
  });
}
