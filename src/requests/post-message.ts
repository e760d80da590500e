import { emailOfSubject } from "../chats/subject-store.js";
import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { queueMail } from "../mail/queue-mail.js";
import { changeStatus, lockRequest, type RequestRow } from "./change-status.js";
import { recordEvent } from "./events.js";
import { insertRequestMessage } from "./request-texts.js";
import { recordNotice } from "./requester-notices.js";

/**
 * Adds a message to a request's secure thread. A requester's reply to a question moves the request
 * back into review; a staff message tells the requester by e-mail only that something is waiting.
 */
export async function postRequestMessage(
  ctx: AppContext,
  org: Organization,
  actor: Actor & { type: "subject" | "staff" },
  request: RequestRow,
  body: string,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, request.id, org.id);
    await insertRequestMessage(tx, ctx.keys, current, { authorType: actor.type === "staff" ? "staff" : "requester", authorId: actor.id ?? null, body, createdAt: ctx.clock.now() });
    await appendAudit(tx, ctx, { orgId: org.id, actor, action: "request.message_posted", target: { type: "request", id: current.id }, subjectId: current.subjectId, details: { reference: current.reference, length: body.length } });
    if (actor.type === "subject") {
      if (current.status === "awaiting_requester" || current.status === "awaiting_identity") {
        await changeStatus(tx, ctx, actor, current, { to: "in_review", kind: "requester_replied" });
      } else {
        await recordEvent(tx, ctx.clock, current.id, actor, { kind: "message_from_requester" });
      }
      return;
    }
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "message_from_staff" });
    const email = await emailOfSubject(tx, ctx.keys, current.subjectId);
    await recordNotice(tx, ctx.clock.now(), current.id, "message", { mailed: !!email });
    if (email) {
      await queueMail(tx, ctx, {
        orgId: org.id, to: email, subjectId: current.subjectId, template: "message_waiting", locale: current.locale, requestId: current.id,
        data: { reference: current.reference, requestUrl: `${ctx.config.BASE_URL}/requests/${current.reference}`, orgName: org.name },
      });
    }
  });
}
