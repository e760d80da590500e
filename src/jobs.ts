import type { AppContext } from "./context.js";
import type { JobDefinition } from "./platform/jobs.js";
import { deliverDueOutbox, type OutboxDeliverer } from "./platform/outbox.js";
import { sendOutboxMail } from "./mail/send-outbox-mail.js";
import { purgeExpiredSessions } from "./identity/sessions.js";

/** How each kind of outbox row is delivered. */
export function outboxDeliverers(): Record<"email" | "webhook", OutboxDeliverer | undefined> {
  return {
    email: (ctx, row) => sendOutboxMail(ctx, row, ctx.config.MAIL_FROM),
    webhook: undefined,
  };
}

/** Every background job, in one list (recurring ones carry everyMs). */
export function jobDefinitions(): JobDefinition[] {
  return [
    { name: "sessions.purge", everyMs: 15 * 60_000, handler: (ctx) => purgeExpiredSessions(ctx) },
  ];
}

/** Delivers what is due; the outbox has its own fast loop rather than a job per mail. */
export async function deliverOutbox(ctx: AppContext) {
  return deliverDueOutbox(ctx, outboxDeliverers());
}
