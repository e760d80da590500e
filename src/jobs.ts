import type { AppContext } from "./context.js";
import type { JobDefinition } from "./platform/jobs.js";
import { deliverDueOutbox, type OutboxDeliverer } from "./platform/outbox.js";
import { mailFromFor, sendOutboxMail } from "./mail/send-outbox-mail.js";
import { alertNewlyOverdue, sendDpoDigests } from "./requests/staff-reminders.js";
import { purgeExpiredSessions } from "./identity/sessions.js";
import { deliverWebhook } from "./fulfilment/webhooks.js";
import { exportJobDefinitions } from "./exports/jobs.js";
import { fulfilmentJobDefinitions } from "./fulfilment/jobs.js";
import { registerExportHandover } from "./fulfilment/export-handover.js";
import { exportWriters } from "./exports/hooks.js";
import { dossierWriter } from "./complaints/build-dossier.js";
import { retentionJobDefinition } from "./retention/jobs.js";

/** How each kind of outbox row is delivered. */
export function outboxDeliverers(): Record<"email" | "webhook", OutboxDeliverer | undefined> {
  return {
    email: async (ctx, row) => sendOutboxMail(ctx, row, await mailFromFor(ctx, row.orgId)),
    webhook: (ctx, row) => deliverWebhook(ctx, row),
  };
}

/**
 * What capabilities above exports plug into it: the hand-over that completes a request when its
 * package is ready, and the complaint dossier's writer. Idempotent; called wherever jobs run.
 */
export function registerCapabilityHooks(): void {
  registerExportHandover();
  exportWriters.dossier = dossierWriter;
}

/** Every background job, in one list (recurring ones carry everyMs). */
export function jobDefinitions(): JobDefinition[] {
  registerCapabilityHooks();
  return [
    { name: "sessions.purge", everyMs: 15 * 60_000, handler: (ctx) => purgeExpiredSessions(ctx) },
    { name: "mail.dpo-digest", everyMs: 24 * 60 * 60_000, handler: async (ctx) => void (await sendDpoDigests(ctx)) },
    { name: "mail.overdue-alerts", everyMs: 60 * 60_000, handler: async (ctx) => void (await alertNewlyOverdue(ctx)) },
    ...exportJobDefinitions(),
    ...fulfilmentJobDefinitions(),
    retentionJobDefinition(),
  ];
}

/** Delivers what is due; the outbox has its own fast loop rather than a job per mail. */
export async function deliverOutbox(ctx: AppContext, signal?: AbortSignal) {
  return deliverDueOutbox(ctx, outboxDeliverers(), undefined, signal);
}
