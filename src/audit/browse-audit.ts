import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { auditLog, staffUsers } from "../db/schema/index.js";
import type { StaffActor } from "../platform/policy.js";
import { auditConditions } from "./filters.js";
import type { AuditFilters } from "./schema.js";

export type AuditRow = typeof auditLog.$inferSelect;
export const PAGE_SIZE = 50;

/** One page of the organization's audit log, newest first; `next` is the seq to continue before. */
export async function browseAudit(ctx: AppContext, actor: StaffActor, timeZone: string, filters: AuditFilters, limit = PAGE_SIZE) {
  const where = and(auditConditions(actor.orgId, timeZone, filters), filters.before ? lt(auditLog.seq, filters.before) : undefined);
  const rows = await ctx.db
    .select({ entry: auditLog, actorName: staffUsers.name })
    .from(auditLog)
    .leftJoin(staffUsers, and(eq(auditLog.actorType, "staff"), sql`${staffUsers.id}::text = ${auditLog.actorId}`, eq(staffUsers.orgId, auditLog.orgId)))
    .where(where)
    .orderBy(desc(auditLog.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map((r) => ({ ...r.entry, actorName: r.actorName }));
  return { rows: page, next: rows.length > limit ? page[page.length - 1]!.seq : undefined };
}

/** The organization's staff, for the actor filter. */
export async function staffOptions(ctx: AppContext, orgId: string) {
  return ctx.db.select({ id: staffUsers.id, name: staffUsers.name, role: staffUsers.role }).from(staffUsers).where(eq(staffUsers.orgId, orgId)).orderBy(staffUsers.name);
}
