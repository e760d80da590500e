import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";

export async function startReview(ctx: AppContext, actor: StaffActor, { org, requestId }: { org: Organization; requestId: string }): Promise<RequestRow> {
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    return changeStatus(tx, ctx, actor, current, { to: "in_review", kind: "in_review", set: { assigneeId: current.assigneeId ?? actor.id } });
  });
}
