/**
 * Where fulfilment starts. Approving (and, for an erasure, the second DPO's confirmation) calls
 * startFulfilment in the decision's own transaction: access, export and police-transcript
 * requests are handed to the exports capability right there; everything else is queued as a job
 * that runs fulfilRequest — one transaction per fulfilment, so a crash anywhere leaves the request
 * exactly as it was and the retry starts from scratch.
 */
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { exportBlobStore } from "../platform/blob-store.js";
import type { Actor } from "../platform/audit.js";
import { ConflictError, ForbiddenError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { enqueueJob } from "../platform/jobs.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import { fourEyesComplete } from "../platform/policy.js";
import { organizationOf } from "./db-util.js";
import { carryOutErasure } from "./erase.js";
import { handOverToExports, handsOverToExports } from "./export-handover.js";
import { isReviewReleased, openPackageReview } from "./package-review.js";
import { stepDone, type FulfilmentOptions } from "./faults.js";
import { carryOutObjection } from "./object.js";
import { carryOutRectification } from "./rectify.js";
import { carryOutRestriction } from "./restrict.js";
import { asJson, type FulfilmentResult } from "../requests/result.js";

export const CARRY_OUT_JOB = "fulfilment.carry-out";
export const carryOutJobKey = (requestId: string) => `fulfilment:${requestId}`;


/** Whether fulfilment of a request may start: approved, and an erasure confirmed by a second DPO. */
export function mayStartFulfilment(r: Pick<RequestRow, "type" | "status" | "erasureApprovedBy" | "erasureConfirmedBy">): boolean {
  if (r.status !== "approved") return false;
  return r.type !== "erasure" || fourEyesComplete(r.erasureApprovedBy, r.erasureConfirmedBy);
}

/** Request types this capability carries out itself (exports are handed over). */
export const carriedOutTypes = ["erasure", "rectification", "restriction", "objection", "withdraw_consent"] as const;

/**
 * Called in the transaction of an approval or an erasure confirmation. Returns the request as it
 * now stands. An erasure without its second DPO stays approved: nothing is queued.
 */
export async function startFulfilment(tx: Tx, ctx: AppContext, actor: Actor, _org: Organization, r: RequestRow): Promise<RequestRow> {
  if (!mayStartFulfilment(r)) return r;
  // A package is built only after the DPO's review released it (Art. 15(4)).
  if (handsOverToExports(r.type)) {
    if (await isReviewReleased(tx, r.id)) return handOverToExports(tx, ctx, actor, r);
    await openPackageReview(tx, ctx, actor, r);
    return r;
  }
  if ((carriedOutTypes as readonly string[]).includes(r.type)) {
    await enqueueJob(tx, CARRY_OUT_JOB, { requestId: r.id, orgId: r.orgId }, { uniqueKey: carryOutJobKey(r.id), runAt: ctx.clock.now() });
  }
  return r;
}

/**
 * Carries out one approved request in a single transaction: lock, check four-eyes, approved →
 * in_progress, the type's work, the requester's notice, → completed with the proof in `result`.
 */
export async function fulfilRequest(ctx: AppContext, actor: Actor, orgId: string, requestId: string, opts: FulfilmentOptions = {}): Promise<RequestRow> {
  let files: string[] = [];
  const row = await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, orgId);
    if (r.status !== "approved") throw new ConflictError("not_awaiting_fulfilment");
    if (!mayStartFulfilment(r)) throw new ForbiddenError("four_eyes");
    if (handsOverToExports(r.type)) throw new ConflictError("review_pending"); // released through the review only
    const org = await organizationOf(tx, r.orgId);
    const startedAt = ctx.clock.now().toISOString();
    const started = await changeStatus(tx, ctx, actor, r, { to: "in_progress", kind: "in_progress", expectedFrom: "approved" });
    stepDone(opts, "started");
    let work: Partial<FulfilmentResult>;
    switch (r.type) {
      case "erasure": {
        const outcome = await carryOutErasure(tx, ctx, actor, org, started, opts);
        files = outcome.filesToDelete;
        work = outcome.result;
        break;
      }
      case "rectification": work = await carryOutRectification(tx, ctx, actor, org, started, opts); break;
      case "restriction": work = await carryOutRestriction(tx, ctx, actor, org, started, opts); break;
      case "objection":
      case "withdraw_consent": work = await carryOutObjection(tx, ctx, actor, org, started, opts); break;
      default: throw new ConflictError("nothing_to_carry_out", `nothing to carry out for ${r.type}`);
    }
    const now = ctx.clock.now();
    const result: FulfilmentResult = {
      fulfilment: r.type as FulfilmentResult["fulfilment"], startedAt, completedAt: now.toISOString(), by: { type: actor.type, id: actor.id ?? null },
      kept: [], recipients: [], ...work,
    };
    const done = await changeStatus(tx, ctx, actor, started, { to: "completed", kind: "completed", set: { completedAt: now, result: asJson(result) } });
    stepDone(opts, "completed");
    return done;
  });
  await deleteFiles(ctx, files);
  return row;
}

/** After commit: the rows no longer serve these files, so deleting them can never break a download. */
async function deleteFiles(ctx: AppContext, stored: string[]): Promise<void> {
  for (const p of stored) {
    await exportBlobStore(ctx).remove(p).catch((err: unknown) => {
      ctx.logger.warn({ err: (err as Error).name }, "could not delete an erased export file (the orphan sweep will)");
    });
  }
}
