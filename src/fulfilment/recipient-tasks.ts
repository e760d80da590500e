import { and, asc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { recipients, recipientTasks, requests } from "../db/schema/index.js";
import { enqueueRecipientWebhook, type WebhookEvent } from "./webhooks.js";
import { appendAudit } from "../platform/audit.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { asJson, readResult, type NotifiedRecipient } from "../requests/result.js";
import { NOTE_MAX } from "./schema.js";

/** Platform ids a recipient needs to find the records; never names, addresses or content. */
export interface RecipientPayload {
  subject: string | null;
  conversations: string[];
  fields?: string[];
}

/**
 * Art. 19: one task per active recipient of the organization, in the fulfilment's transaction;
 * recipients with a webhook also get a signed webhook through the outbox. Staff confirm each task
 * with a note, so nothing is forgotten.
 */
export async function createRecipientTasks(tx: Tx, ctx: AppContext, r: RequestRow, event: WebhookEvent, data: RecipientPayload): Promise<NotifiedRecipient[]> {
  const active = await tx.select().from(recipients)
    .where(and(eq(recipients.orgId, r.orgId), eq(recipients.active, true))).orderBy(asc(recipients.name));
  const notified: NotifiedRecipient[] = [];
  for (const recipient of active) {
    await tx.insert(recipientTasks).values({ requestId: r.id, recipientId: recipient.id, action: event, createdAt: ctx.clock.now() }).onConflictDoNothing();
    const [task] = await tx.select().from(recipientTasks)
      .where(and(eq(recipientTasks.requestId, r.id), eq(recipientTasks.recipientId, recipient.id), eq(recipientTasks.action, event)));
    await enqueueRecipientWebhook(tx, ctx, { orgId: r.orgId, recipientId: recipient.id, requestId: r.id, event, data: { action: event, ...data } });
    notified.push({ taskId: task!.id, recipientId: recipient.id, name: recipient.name, action: event, confirmedAt: task!.confirmedAt?.toISOString() ?? null });
  }
  return notified;
}

/** The tasks of a request with their recipient's name, for the staff page. */
export async function tasksOfRequest(ctx: AppContext, r: Pick<RequestRow, "id" | "orgId">) {
  return ctx.db
    .select({
      id: recipientTasks.id, action: recipientTasks.action, status: recipientTasks.status, webhookStatus: recipientTasks.webhookStatus,
      note: recipientTasks.note, confirmedAt: recipientTasks.confirmedAt, name: recipients.name, hasWebhook: recipients.webhookUrl,
    })
    .from(recipientTasks)
    .innerJoin(recipients, eq(recipients.id, recipientTasks.recipientId))
    .where(and(eq(recipientTasks.requestId, r.id), eq(recipients.orgId, r.orgId)))
    .orderBy(asc(recipients.name));
}

/** Staff confirm that a recipient was told (by webhook, e-mail or phone), with a note saying how. */
export async function confirmRecipientTask(ctx: AppContext, actor: StaffActor, requestId: string, taskId: string, note: string): Promise<void> {
  const text = note.trim();
  if (!text) throw new ValidationError({ note: "platform.errors.required" });
  if (text.length > NOTE_MAX) throw new ValidationError({ note: "platform.errors.tooLong" });
  await ctx.db.transaction(async (tx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    const [task] = await tx.select({ id: recipientTasks.id, status: recipientTasks.status, recipientId: recipientTasks.recipientId, name: recipients.name })
      .from(recipientTasks).innerJoin(recipients, eq(recipients.id, recipientTasks.recipientId))
      .where(and(eq(recipientTasks.id, taskId), eq(recipientTasks.requestId, r.id), eq(recipients.orgId, actor.orgId)));
    if (!task) throw new NotFoundError("recipient_task");
    if (task.status === "confirmed") throw new ValidationError({ note: "fulfilment.errors.alreadyConfirmed" });
    const now = ctx.clock.now();
    await tx.update(recipientTasks).set({ status: "confirmed", note: text, confirmedBy: actor.id, confirmedAt: now }).where(eq(recipientTasks.id, task.id));
    await markConfirmedInResult(tx, r, task.id, now);
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "recipient_task.confirmed", target: { type: "recipient_task", id: task.id }, subjectId: r.subjectId,
      details: { reference: r.reference, recipientId: task.recipientId },
    });
  });
}

/** The requester's page reads who was told from the request's result: keep it current. */
async function markConfirmedInResult(tx: Tx, r: RequestRow, taskId: string, at: Date): Promise<void> {
  const result = readResult(r);
  if (!result) return;
  const recipientsNow = result.recipients.map((x) => (x.taskId === taskId ? { ...x, confirmedAt: at.toISOString() } : x));
  await tx.update(requests).set({ result: asJson({ ...result, recipients: recipientsNow }) }).where(eq(requests.id, r.id));
}
