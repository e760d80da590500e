import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests, staffUsers, type RequestType } from "../db/schema/index.js";
import type { Organization } from "../platform/http/types.js";
import { localDate } from "../requests/deadlines.js";
import { openStatuses, type RequestStatus } from "../requests/lifecycle.js";
import { requestStatusView, type RequestStatusView } from "../requests/status-view.js";
import type { StaffActor } from "../platform/policy.js";

export const PAGE_SIZE = 50;
export const DUE_SOON_DAYS = 7;

export interface QueueFilters {
  status?: RequestStatus | "open" | "all";
  type?: RequestType;
  overdue?: boolean;
  mine?: boolean;
  /** Keyset cursor: the (effective_due_date, id) of the last row of the previous page. */
  after?: string;
}

export interface QueueRow extends RequestStatusView {
  dueSoon: boolean;
  assigneeName: string | null;
}

export function encodeCursor(r: { effectiveDueDate: string; id: string }): string {
  return Buffer.from(`${r.effectiveDueDate}|${r.id}`).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): { date: string; id: string } | undefined {
  if (!cursor) return undefined;
  const [date, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!date || !id || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return { date, id };
}

/**
 * The review queue, earliest due first. Keyset pagination on (effective_due_date, id) walks the
 * requests_queue index, so a deep page costs what the first one does (no OFFSET).
 */
export async function reviewQueue(ctx: AppContext, actor: StaffActor, org: Organization, f: QueueFilters): Promise<{ rows: QueueRow[]; next?: string }> {
  const now = ctx.clock.now();
  const where: (SQL | undefined)[] = [eq(requests.orgId, actor.orgId)];
  const status = f.status ?? "open";
  if (status === "open" || f.overdue) where.push(inArray(requests.status, [...openStatuses]));
  else if (status !== "all") where.push(eq(requests.status, status));
  if (f.type) where.push(eq(requests.type, f.type));
  // While an identity pause runs, the due date moves on with the days: overdue only if it already was when the pause began.
  if (f.overdue) {
    where.push(sql`${requests.effectiveDueDate} < coalesce((${requests.pausedSince} at time zone ${org.timeZone})::date, ${localDate(now, org.timeZone)}::date)`);
  }
  if (f.mine) where.push(eq(requests.assigneeId, actor.id));
  const cursor = decodeCursor(f.after);
  if (cursor) where.push(sql`(${requests.effectiveDueDate}, ${requests.id}) > (${cursor.date}::date, ${cursor.id}::uuid)`);
  const rows = await ctx.db
    .select({ request: requests, assigneeName: staffUsers.name })
    .from(requests)
    .leftJoin(staffUsers, eq(staffUsers.id, requests.assigneeId))
    .where(and(...where))
    .orderBy(asc(requests.effectiveDueDate), asc(requests.id))
    .limit(PAGE_SIZE + 1);
  const page = rows.slice(0, PAGE_SIZE).map(({ request, assigneeName }) => {
    const view = requestStatusView(request, org, now);
    return { ...view, assigneeName, dueSoon: view.open && !view.overdue && view.daysLeft <= DUE_SOON_DAYS };
  });
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > PAGE_SIZE && last ? encodeCursor(last) : undefined };
}
