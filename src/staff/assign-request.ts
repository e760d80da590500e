import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests, staffUsers } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import { lockRequest } from "../requests/change-status.js";
import { recordEvent } from "../requests/events.js";
import type { StaffActor } from "../platform/policy.js";

/** Assigns a request to a staff member of the same organization (or to nobody). */
export async function assignRequest(ctx: AppContext, actor: StaffActor, requestId: string, assigneeId: string | null): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, actor.orgId);
    if (assigneeId) {
      const [staff] = /^[0-9a-f-]{36}$/i.test(assigneeId)
        ? await tx.select().from(staffUsers).where(and(eq(staffUsers.id, assigneeId), eq(staffUsers.orgId, actor.orgId), isNull(staffUsers.disabledAt)))
        : [];
      if (!staff || staff.role === "admin") throw new ValidationError({ assigneeId: "staff.errors.assignee" });
    }
    await tx.update(requests).set({ assigneeId, updatedAt: ctx.clock.now() }).where(eq(requests.id, current.id));
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "assigned", visibleToRequester: false });
    await appendAudit(tx, ctx, { orgId: actor.orgId, actor, action: "request.assigned", target: { type: "request", id: current.id }, subjectId: current.subjectId, details: { reference: current.reference, assigneeId } });
  });
}
