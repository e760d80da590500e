import { and, asc, eq, gt, notInArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { organizations, requests } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { closedStatuses } from "./lifecycle.js";
import { dueDate, extendedDueDate } from "./deadlines.js";
import { effectiveDue } from "./change-status.js";

export const DUE_DATES_RECOMPUTED = "request.due_dates_recomputed";

const PAGE = 500;

type Dates = Pick<typeof requests.$inferSelect, "dueDate" | "extendedDueDate" | "effectiveDueDate">;

/**
 * Data migration (src/data-migrations.ts): recomputes the stored dates of every open request
 * with the rules deadlines.ts applies now — paused days and the extension counted from the
 * unrolled end, the roll-forward last — from what the dates are made of (receipt, the
 * organization's country and time zone, extended or not, finished pauses). A running pause
 * needs nothing: it is projected when read and counted when it ends.
 *
 * One audit entry per request whose dates changed, with the old and the new dates, rather than
 * one summary entry: a request's history (its audit trail, a complaint dossier, the authority
 * asking why it was answered on a given day) is read per request, and a summary would leave the
 * change invisible there. Unchanged requests get none. The new rules only ever move a date
 * earlier, so a request may turn overdue here; the hourly overdue alert then tells the dpo.
 * Closed requests keep the dates they were answered against.
 */
export async function recomputeOpenDueDates(ctx: AppContext, tx: Tx): Promise<void> {
  const orgs = new Map((await tx.select({ id: organizations.id, country: organizations.country, timeZone: organizations.timeZone }).from(organizations)).map((o) => [o.id, o]));
  let checked = 0;
  let changed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await tx
      .select()
      .from(requests)
      .where(and(notInArray(requests.status, [...closedStatuses]), after ? gt(requests.id, after) : undefined))
      .orderBy(asc(requests.id))
      .limit(PAGE)
      .for("update");
    for (const r of page) {
      const org = orgs.get(r.orgId)!;
      const extended = r.extendedDueDate !== null || r.extendedAt !== null;
      const extendedTo = extended ? extendedDueDate(r.receivedAt, org.country, org.timeZone) : null;
      const next: Dates = {
        dueDate: dueDate(r.receivedAt, org.country, org.timeZone),
        extendedDueDate: extendedTo,
        effectiveDueDate: effectiveDue({ receivedAt: r.receivedAt, extendedDueDate: extendedTo }, r.pausedDays, org),
      };
      const before: Dates = { dueDate: r.dueDate, extendedDueDate: r.extendedDueDate, effectiveDueDate: r.effectiveDueDate };
      if (sameDates(before, next)) continue;
      // updated_at stays: a recount is not activity on the request (retention reads it).
      await tx.update(requests).set(next).where(eq(requests.id, r.id));
      await appendAudit(tx, ctx, {
        orgId: r.orgId, actor: systemActor, action: DUE_DATES_RECOMPUTED, target: { type: "request", id: r.id }, subjectId: r.subjectId,
        details: { reference: r.reference, pausedDays: r.pausedDays, before, after: next, rule: "reg-1182-71-unrolled-end" },
      });
      changed += 1;
    }
    checked += page.length;
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  ctx.logger.info({ checked, changed }, "open requests' due dates recomputed");
}

function sameDates(a: Dates, b: Dates): boolean {
  return a.dueDate === b.dueDate && a.extendedDueDate === b.extendedDueDate && a.effectiveDueDate === b.effectiveDueDate;
}
