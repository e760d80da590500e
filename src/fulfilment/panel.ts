import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { jobs, organizations } from "../db/schema/index.js";
import { localDate } from "../requests/deadlines.js";
import { HOLD_REVIEW_MAX_MONTHS } from "./legal-hold.js";
import type { RequestRow } from "../requests/change-status.js";
import { mayStartFulfilment } from "./start-fulfilment.js";
import { conversationsInScope } from "../requests/request-scope.js";
import { handsOverToExports } from "./export-handover.js";
import { tasksOfRequest } from "./recipient-tasks.js";
import { reviewOfRequest } from "./package-review.js";
import { legalHoldReasons, readResult } from "../requests/result.js";
import { carriedOutTypes, carryOutJobKey } from "./start-fulfilment.js";
import { NOTE_MAX } from "./schema.js";

/**
 * The fulfilment panel of the staff request page: legal holds (seen before the erasure is
 * confirmed), the queued job, the recorded proof, recipient tasks and the restriction's state.
 */
export async function fulfilmentPanel(ctx: AppContext, r: RequestRow) {
  const [convs, tasks, jobRows, [org]] = await Promise.all([
    conversationsInScope(ctx.db, r),
    tasksOfRequest(ctx, r),
    ctx.db.select({ status: jobs.status, attempts: jobs.attempts, maxAttempts: jobs.maxAttempts }).from(jobs).where(eq(jobs.uniqueKey, carryOutJobKey(r.id))),
    ctx.db.select({ timeZone: organizations.timeZone }).from(organizations).where(eq(organizations.id, r.orgId)),
  ]);
  const result = readResult(r);
  return {
    applies: (carriedOutTypes as readonly string[]).includes(r.type) || handsOverToExports(r.type),
    handsOver: handsOverToExports(r.type),
    conversations: convs,
    held: convs.filter((c) => c.legalHoldAt && !c.erasedAt),
    awaitingSecondDpo: r.type === "erasure" && r.status === "approved" && !mayStartFulfilment(r),
    // Packages are released from their review, never carried out directly.
    canCarryOut: mayStartFulfilment(r) && !handsOverToExports(r.type),
    review: handsOverToExports(r.type) ? await reviewState(ctx, r) : null,
    job: jobRows[0] ?? null,
    result,
    tasks,
    restriction: r.type === "restriction" && r.status === "completed" ? result?.restriction ?? null : null,
    holdReasons: legalHoldReasons,
    holdMaxMonths: HOLD_REVIEW_MAX_MONTHS,
    noteMax: NOTE_MAX,
    /** The organization's local date: a hold whose review date is today or earlier is due. */
    today: localDate(ctx.clock.now(), org?.timeZone ?? "UTC"),
  };
}

export type FulfilmentPanel = Awaited<ReturnType<typeof fulfilmentPanel>>;

/** The package review's state for the panel: open (with its link), released, or none yet. */
async function reviewState(ctx: AppContext, r: RequestRow) {
  const review = await reviewOfRequest(ctx.db, r.id);
  if (!review) return null;
  return { status: review.status, url: `/staff/requests/${r.id}/review`, releasedAt: review.releasedAt };
}
