import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { organizations, requests, subjects } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { ConflictError, ValidationError } from "../platform/errors.js";
import { queueMail } from "../mail/queue-mail.js";
import { isOpen, type RequestStatus } from "./lifecycle.js";
import { canExtend, extendedDueDate } from "./deadlines.js";
import { effectiveDue, lockRequest, type RequestRow } from "./change-status.js";
import { recordEvent } from "./events.js";

/**
 * Art. 12(3): two further months, only with reasons, only within the first month, and the
 * requester is told. Extension is a flag with its own dates, not a status.
 */
export async function extendRequest(ctx: AppContext, actor: Actor, orgId: string, requestId: string, reason: string): Promise<RequestRow> {
  if (reason.trim().length < 10) throw new ValidationError({ reason: "requests.errors.extensionReason" });
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, orgId);
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, orgId));
    const now = ctx.clock.now();
    if (current.extendedAt) throw new ConflictError("already_extended");
    if (!isOpen(current.status as RequestStatus)) throw new ConflictError("request_closed");
    if (!canExtend(now, current.dueDate, org!.timeZone)) throw new ValidationError({ reason: "requests.errors.extensionTooLate" });
    const extended = extendedDueDate(current.receivedAt, org!.country, org!.timeZone);
    const [updated] = await tx
      .update(requests)
      .set({ extendedAt: now, extensionReason: reason.trim(), extendedDueDate: extended, effectiveDueDate: effectiveDue({ receivedAt: current.receivedAt, extendedDueDate: extended }, current.pausedDays, org!), updatedAt: now })
      .where(eq(requests.id, current.id))
      .returning();
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "extended", note: reason.trim() });
    await appendAudit(tx, ctx, { orgId, actor, action: "request.extended", target: { type: "request", id: current.id }, subjectId: current.subjectId, details: { reference: current.reference, extendedDueDate: extended } });
    const [subject] = current.subjectId ? await tx.select().from(subjects).where(eq(subjects.id, current.subjectId)) : [];
    if (subject?.email) {
      // The free-text reason stays on the request page (sign-in required), never in an e-mail.
      await queueMail(tx, ctx, {
        orgId, to: subject.email, template: "extension", locale: current.locale, requestId: current.id,
        data: { reference: current.reference, newDueDate: extended, requestUrl: `${ctx.config.BASE_URL}/requests/${current.reference}`, orgName: org!.name },
      });
    }
    return updated!;
  });
}
