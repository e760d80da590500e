import { sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { localDate } from "../requests/deadlines.js";
import { openStatuses } from "../requests/lifecycle.js";
import { complaintStats, type ComplaintStats } from "../complaints/complaint-stats.js";
import { rowsOf } from "../db/client.js";

export interface TypeStats { type: string; open: number; completed90: number }
export interface DashboardStats {
  open: number;
  overdue: number;
  dueThisWeek: number;
  medianDaysToComplete: number | null;
  /** Completed within the one-month legal deadline, of those completed in the last 90 days (0..1). */
  shareWithinMonth: number | null;
  completed90: number;
  byType: TypeStats[];
  /** Complaints to the DPO and escalations to the supervisory authority (complaints/complaint-stats.ts). */
  complaints: ComplaintStats;
}


/** The figures of the DPO's dashboard, computed in the database for the organization only. */
export async function dashboardStats(ctx: AppContext, org: Organization): Promise<DashboardStats> {
  const now = ctx.clock.now();
  const today = localDate(now, org.timeZone);
  const weekEnd = localDate(new Date(now.getTime() + 7 * 86_400_000), org.timeZone);
  const since = new Date(now.getTime() - 90 * 86_400_000);
  const open = sql.join(openStatuses.map((s) => sql`${s}`), sql`, `);
  const [head] = rowsOf<Record<string, unknown>>(await ctx.db.execute(sql`
    select
      count(*) filter (where status in (${open}))::int as open,
      count(*) filter (where status in (${open}) and effective_due_date < ${today}::date)::int as overdue,
      count(*) filter (where status in (${open}) and effective_due_date between ${today}::date and ${weekEnd}::date)::int as due_this_week,
      count(*) filter (where status = 'completed' and completed_at >= ${since})::int as completed90,
      percentile_cont(0.5) within group (order by extract(epoch from (completed_at - received_at)) / 86400)
        filter (where status = 'completed' and completed_at >= ${since}) as median_days,
      avg(case when (completed_at at time zone ${org.timeZone})::date <= due_date then 1.0 else 0.0 end)
        filter (where status = 'completed' and completed_at >= ${since}) as share_within
    from requests where org_id = ${org.id}`));
  const byType = rowsOf<{ type: string; open: number; completed90: number }>(await ctx.db.execute(sql`
    select type,
      count(*) filter (where status in (${open}))::int as open,
      count(*) filter (where status = 'completed' and completed_at >= ${since})::int as completed90
    from requests where org_id = ${org.id} group by type order by type`));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    open: Number(head?.open ?? 0), overdue: Number(head?.overdue ?? 0), dueThisWeek: Number(head?.due_this_week ?? 0),
    completed90: Number(head?.completed90 ?? 0),
    medianDaysToComplete: num(head?.median_days) === null ? null : Math.round(num(head?.median_days)! * 10) / 10,
    shareWithinMonth: num(head?.share_within),
    byType: byType.map((r) => ({ type: r.type, open: Number(r.open), completed90: Number(r.completed90) })),
    complaints: await complaintStats(ctx, org),
  };
}
