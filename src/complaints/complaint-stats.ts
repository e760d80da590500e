import { sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { localDate } from "../requests/deadlines.js";
import { rowsOf } from "../db/client.js";

export interface ComplaintStats {
  /** Complaints the DPO has not answered yet. */
  unanswered: number;
  /** Of those, past their due date in the organization's time zone. */
  overdue: number;
  /** Complaints received in the last 90 days. */
  received90: number;
  /** Requesters who said they went to the supervisory authority: in the last 90 days, and ever. */
  escalated90: number;
  escalatedTotal: number;
}


/** The complaint figures of the DPO's dashboard, counted in the database for one organization. */
export async function complaintStats(ctx: AppContext, org: Pick<Organization, "id" | "timeZone">): Promise<ComplaintStats> {
  const now = ctx.clock.now();
  const today = localDate(now, org.timeZone);
  const since = new Date(now.getTime() - 90 * 86_400_000);
  const [row] = rowsOf<Record<string, unknown>>(await ctx.db.execute(sql`
    select
      count(*) filter (where answered_at is null)::int as unanswered,
      count(*) filter (where answered_at is null and due_date < ${today}::date)::int as overdue,
      count(*) filter (where received_at >= ${since})::int as received90,
      count(*) filter (where escalated_at >= ${since})::int as escalated90,
      count(*) filter (where escalated_at is not null)::int as escalated_total
    from complaints where org_id = ${org.id}`));
  return {
    unanswered: Number(row?.unanswered ?? 0),
    overdue: Number(row?.overdue ?? 0),
    received90: Number(row?.received90 ?? 0),
    escalated90: Number(row?.escalated90 ?? 0),
    escalatedTotal: Number(row?.escalated_total ?? 0),
  };
}
