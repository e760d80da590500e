import { and, inArray, isNotNull, like } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { outbox } from "../db/schema/index.js";
import { systemActor } from "../platform/audit.js";
import { AppError, ConflictError, ForbiddenError, NotFoundError } from "../platform/errors.js";
import { z } from "zod";
import { job, type JobDefinition } from "../platform/jobs.js";
import { ERASED_PROFILE_NOTICE } from "./notices.js";
import { CARRY_OUT_JOB, fulfilRequest } from "./start-fulfilment.js";

const carryOutPayload = z.object({ requestId: z.uuid(), orgId: z.uuid() });
type CarryOutPayload = z.infer<typeof carryOutPayload>;

export const SCRUB_NOTICES_JOB = "fulfilment.scrub-erasure-notices";

/**
 * Runs a queued fulfilment. A request that is no longer waiting (done, withdrawn) is left alone.
 * Errors are reduced to a code before the runner stores them: a database error's text can quote
 * the values of the failed statement.
 */
export async function carryOutQueued(ctx: AppContext, { requestId, orgId }: CarryOutPayload): Promise<void> {
  try {
    await fulfilRequest(ctx, systemActor, orgId, requestId);
  } catch (err) {
    if (err instanceof ConflictError || err instanceof ForbiddenError || err instanceof NotFoundError) {
      ctx.logger.info({ requestId, code: err.code }, "fulfilment not carried out: request not awaiting it");
      return;
    }
    throw new Error(err instanceof AppError ? `fulfilment failed: ${err.code}` : "fulfilment failed");
  }
}

/**
 * The completion notice of an erasure is the one place the erased address lives on, until it is
 * delivered: afterwards its row's key is destroyed, which shreds the sealed address and payload.
 */
export async function scrubErasureNotices(ctx: AppContext): Promise<number> {
  const rows = await ctx.db.update(outbox).set({ keyWrapped: null, recipientEnc: null, payloadEnc: null })
    .where(and(like(outbox.dedupeKey, `${ERASED_PROFILE_NOTICE}:%`), inArray(outbox.status, ["sent", "failed"]), isNotNull(outbox.keyWrapped)))
    .returning({ id: outbox.id });
  return rows.length;
}

/** The fulfilment capability's background jobs (registered in src/jobs.ts). */
export function fulfilmentJobDefinitions(): JobDefinition[] {
  return [
    job({ name: CARRY_OUT_JOB, payload: carryOutPayload, handler: carryOutQueued }),
    { name: SCRUB_NOTICES_JOB, everyMs: 15 * 60_000, handler: async (ctx) => void (await scrubErasureNotices(ctx)) },
  ];
}
