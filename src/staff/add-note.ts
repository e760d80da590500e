import type { AppContext } from "../context.js";
import { requestNotes } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import { lockRequest } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";

/** An internal note on a request: staff only, never shown to the requester. */
export async function addRequestNote(ctx: AppContext, actor: StaffActor, { requestId, body }: { requestId: string; body: string }): Promise<void> {
  const text = body.trim();
  if (!text) throw new ValidationError({ body: "platform.errors.required" });
  if (text.length > 5000) throw new ValidationError({ body: "platform.errors.tooLong" });
  await ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, actor.orgId);
    await tx.insert(requestNotes).values({ requestId: current.id, authorId: actor.id, body: text, createdAt: ctx.clock.now() });
    await appendAudit(tx, ctx, { orgId: actor.orgId, actor, action: "request.note_added", target: { type: "request", id: current.id }, subjectId: current.subjectId, details: { reference: current.reference, length: text.length } });
  });
}
