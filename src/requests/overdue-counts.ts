import { sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { rowsOf } from "../db/client.js";
import { openStatuses } from "./lifecycle.js";

/**
 * Open requests past their due date, per organization (by slug), with the queue's rule: the due
 * date is compared with today in the organization's time zone, and while an identity pause runs
 * with the day the pause began. Every organization is listed, with 0 when none is overdue.
 */
export async function overdueRequestsByOrganization(ctx: AppContext): Promise<{ org: string; count: number }[]> {
  const now = ctx.clock.now();
  const rows = rowsOf<{ slug: string; overdue: number }>(await ctx.db.execute(sql`
    select o.slug, count(r.id)::int as overdue
    from organizations o
    left join requests r on r.org_id = o.id
      and r.status = any(${sql.param([...openStatuses])}::text[])
      and r.effective_due_date < coalesce((r.paused_since at time zone o.time_zone)::date, (${now}::timestamptz at time zone o.time_zone)::date)
    group by o.slug order by o.slug`));
  return rows.map((r) => ({ org: r.slug, count: Number(r.overdue) }));
}
