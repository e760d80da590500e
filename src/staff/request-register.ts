import { and, asc, eq, gt, or, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests, staffUsers } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { csvRow } from "./csv.js";
import type { StaffActor } from "../platform/policy.js";

export const registerColumns = ["reference", "type", "scope", "status", "assurance", "received_at", "due_date", "effective_due_date", "extended_due_date", "paused_days", "decision", "legal_ground", "decided_at", "completed_at", "assignee"] as const;

/**
 * The request register (Art. 5(2) accountability) as CSV, in batches by (received_at, id) so a
 * large register streams with constant memory. No personal data beyond the staff assignee's name.
 */
export async function* requestRegisterCsv(ctx: AppContext, actor: StaffActor, batch = 1000): AsyncGenerator<string> {
  await ctx.db.transaction((tx) => appendAudit(tx, ctx, { orgId: actor.orgId, actor, action: "register.exported", target: { type: "organization", id: actor.orgId } }));
  yield "\uFEFF" + csvRow([...registerColumns]);
  let after: { at: Date; id: string } | undefined;
  for (;;) {
    const where: SQL[] = [eq(requests.orgId, actor.orgId)];
    if (after) where.push(or(gt(requests.receivedAt, after.at), and(eq(requests.receivedAt, after.at), gt(requests.id, after.id)))!);
    const rows = await ctx.db.select({ r: requests, assignee: staffUsers.name }).from(requests)
      .leftJoin(staffUsers, eq(staffUsers.id, requests.assigneeId))
      .where(and(...where)).orderBy(asc(requests.receivedAt), asc(requests.id)).limit(batch);
    let chunk = "";
    for (const { r, assignee } of rows) {
      chunk += csvRow([r.reference, r.type, r.scope, r.status, r.assurance, r.receivedAt, r.dueDate, r.effectiveDueDate, r.extendedDueDate, r.pausedDays, r.decision, r.legalGround, r.decidedAt, r.completedAt, assignee]);
    }
    if (chunk) yield chunk;
    if (rows.length < batch) return;
    const last = rows[rows.length - 1]!.r;
    after = { at: last.receivedAt, id: last.id };
  }
}
