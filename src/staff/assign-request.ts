import { and, eq, inArray, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests, staffUsers } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { inTransaction } from "../platform/transaction.js";
import { lockRequest } from "../requests/change-status.js";
import { recordEvent } from "../requests/events.js";
import type { StaffActor } from "../platform/policy.js";
import { authorize } from "./policies.js";

/** Assigns a request to a staff member of the same organization (or to nobody). */
export async function assignRequest(ctx: AppContext, actor: StaffActor, { requestId, assigneeId }: { requestId: string; assigneeId: string | null }): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const current = await lockRequest(tx, requestId, actor.orgId);
    authorize(actor, "assign", { kind: "request", orgId: current.orgId, type: current.type });
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

/**
 * Assigns the requests picked on the queue, all or none: one of another organization (or gone)
 * leaves every one as it was. Each gets its own event and audit entry, as if assigned one by one.
 */
export async function assignRequests(ctx: AppContext, actor: StaffActor, input: { ids: readonly string[]; assigneeId: string | null }): Promise<number> {
  const ids = [...new Set(input.ids)].sort(); // a fixed lock order: two bulk assigns never deadlock
  await inTransaction(ctx, async (_tx, txCtx) => {
    for (const id of ids) await assignRequest(txCtx, actor, { requestId: id, assigneeId: input.assigneeId });
  });
  return ids.length;
}

/** The requests with these ids, all of this organization; any other (or gone) is "not found". */
export async function requestsOfOrg(ctx: AppContext, orgId: string, ids: readonly string[]): Promise<{ id: string }[]> {
  if (ids.length === 0) return [];
  const found = await ctx.db.select({ id: requests.id }).from(requests).where(and(eq(requests.orgId, orgId), inArray(requests.id, [...ids])));
  if (found.length !== new Set(ids).size) throw new NotFoundError("request");
  return found;
}
