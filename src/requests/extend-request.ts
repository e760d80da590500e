import { emailOfSubject } from "../chats/subject-store.js";
import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { organizations, requests, subjects } from "../db/schema/index.js";
import { insertRequestMessage, sealExtensionReason, writableKeyOf } from "./request-texts.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { ConflictError, ValidationError } from "../platform/errors.js";
import { queueMail } from "../mail/queue-mail.js";
import { isOpen, type RequestStatus } from "./lifecycle.js";
import { canExtend, extendedDueDate } from "./deadlines.js";
import { effectiveDue, lockRequest, type RequestRow } from "./change-status.js";
import { recordEvent } from "./events.js";
import { extensionKinds, extensionNoticeText, type ExtensionKind } from "./decision-notices.js";
import { recordNotice } from "./requester-notices.js";
import { formatters, isLocale } from "../platform/i18n.js";

/**
 * Art. 12(3): two further months, only with reasons, only within the first month, and the
 * requester is told. Extension is a flag with its own dates, not a status.
 */
export async function extendRequest(ctx: AppContext, actor: Actor, orgId: string, requestId: string, reason: string, kind: string = "complexity"): Promise<RequestRow> {
  if (reason.trim().length < 10) throw new ValidationError({ reason: "requests.errors.extensionReason" });
  if (!(extensionKinds as readonly string[]).includes(kind)) throw new ValidationError({ kind: "staff.errors.extensionKind" });
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, orgId);
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, orgId));
    const now = ctx.clock.now();
    if (current.extendedAt) throw new ConflictError("already_extended");
    if (!isOpen(current.status as RequestStatus)) throw new ConflictError("request_closed");
    if (!canExtend(now, current.dueDate, org!.timeZone)) throw new ValidationError({ reason: "requests.errors.extensionTooLate" });
    const extended = extendedDueDate(current.receivedAt, org!.country, org!.timeZone);
    const key = await writableKeyOf(tx, ctx.keys, current);
    const [updated] = await tx
      .update(requests)
      .set({ extendedAt: now, extensionReasonEnc: sealExtensionReason(key, reason.trim()), extensionKind: kind, extendedDueDate: extended, effectiveDueDate: effectiveDue({ receivedAt: current.receivedAt, extendedDueDate: extended }, current.pausedDays, org!), updatedAt: now })
      .where(eq(requests.id, current.id))
      .returning();
    // No note: the reasons are sealed on the request and in the thread, never plain in the timeline.
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "extended" });
    await appendAudit(tx, ctx, { orgId, actor, action: "request.extended", target: { type: "request", id: current.id }, subjectId: current.subjectId, details: { reference: current.reference, extendedDueDate: extended } });
    // Art. 12(3) "with reasons": the whole notice (kind and staff's words) in the thread and as a banner.
    const locale = isLocale(current.locale) ? current.locale : "en";
    const text = extensionNoticeText({
      locale, reference: current.reference, orgName: org!.name, authorityCountry: org!.authorityCountry,
      kind: kind as ExtensionKind, reasons: reason, dueDate: updated!.effectiveDueDate, formatDate: formatters(locale, org!.timeZone).localDate,
    });
    await insertRequestMessage(tx, ctx.keys, { ...current, subjectKeyId: key.id }, { authorType: "staff", authorId: actor.type === "staff" ? actor.id ?? null : null, body: text, createdAt: now });
    const email = await emailOfSubject(tx, ctx.keys, current.subjectId);
    await recordNotice(tx, now, current.id, "extended", { data: { due: updated!.effectiveDueDate, kind }, mailed: !!email });
    if (email) {
      // The e-mail says why by the reason's kind; staff's own words stay behind sign-in (no free text in mail).
      await queueMail(tx, ctx, {
        orgId, to: email, subjectId: current.subjectId, template: "extension", locale: current.locale, requestId: current.id,
        data: { reference: current.reference, newDueDate: updated!.effectiveDueDate, reasonKind: kind as ExtensionKind, requestUrl: `${ctx.config.BASE_URL}/requests/${current.reference}`, orgName: org!.name },
      });
    }
    return updated!;
  });
}
