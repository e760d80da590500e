import crypto from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { outbox, recipients, recipientTasks } from "../db/schema/index.js";
import { appendAudit, systemActor, type Actor } from "../platform/audit.js";
import { randomToken } from "../platform/crypto.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { parseInput } from "../platform/http/validate.js";
import { AddressNotAllowedError, outboundPolicy, postOutbound, targetProblem, type TargetProblem } from "../platform/outbound.js";
import { enqueueOutbox, MAX_ATTEMPTS, PermanentDeliveryError, type OpenedOutboxRow } from "../platform/outbox.js";

/**
 * Outbound webhooks to recipients (the chat platform first): when an erasure, rectification or
 * restriction is carried out, the recipient hears about it (GDPR Art. 19). A webhook is an outbox
 * row written in the fulfilment's own transaction and delivered by the outbox worker with its
 * retries and backoff. Each POST is signed: HMAC-SHA256 over "<timestamp>.<body>" with the
 * recipient's secret, which is stored sealed under the master key and shown once at creation.
 */
export const webhookEvents = ["erasure", "rectification", "restriction", "research_objection", "consent_withdrawn"] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

export type Recipient = typeof recipients.$inferSelect;
export type WebhookStatus = "pending" | "delivered" | "retrying" | "failed";

export const WEBHOOK_SECRET_PURPOSE = "webhook-secret";
export const SIGNATURE_HEADER = "X-Rightsdesk-Signature";
export const TIMESTAMP_HEADER = "X-Rightsdesk-Timestamp";
export const WEBHOOK_TIMEOUT_MS = 10_000;

const recipientInput = z.object({
  orgId: z.uuid(),
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullish(),
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).nullish(),
});

const targetMessages: Record<TargetProblem, string> = {
  https_required: "fulfilment.webhooks.httpsRequired",
  address_not_allowed: "fulfilment.webhooks.addressNotAllowed",
};

/**
 * Refuses a webhook URL the portal must not call (platform/outbound.ts): not https in
 * production, or a loopback, private, link-local or otherwise non-public literal address. A
 * name is resolved and checked again at every delivery.
 */
export function assertWebhookTarget(ctx: AppContext, url: string | null | undefined): void {
  const problem = url ? targetProblem(url, outboundPolicy(ctx.config)) : undefined;
  if (problem) throw new ValidationError({ webhookUrl: targetMessages[problem] });
}

/**
 * Registers a recipient. With a webhook URL, a fresh signing secret is returned once (only its
 * sealed form is stored). Audited in the caller's transaction.
 */
export async function createRecipient(
  ctx: AppContext,
  tx: Tx,
  input: { orgId: string; name: string; webhookUrl?: string | null; description?: string | null; actor?: Actor },
): Promise<{ recipient: Recipient; secret: string | null }> {
  const { orgId, name, webhookUrl, description } = parseInput(recipientInput, input);
  assertWebhookTarget(ctx, webhookUrl);
  const secret = webhookUrl ? `whsec_${randomToken(32)}` : null;
  const [recipient] = await tx
    .insert(recipients)
    .values({
      orgId, name, description: description ?? null, webhookUrl: webhookUrl ?? null,
      webhookSecretEnc: secret ? ctx.keys.sealWithMaster(secret, WEBHOOK_SECRET_PURPOSE) : null,
      createdAt: ctx.clock.now(),
    })
    .returning();
  await appendAudit(tx, ctx, {
    orgId, actor: input.actor ?? systemActor, action: "recipient.created", target: { type: "recipient", id: recipient!.id },
    details: { name, webhook: webhookUrl ? new URL(webhookUrl).origin : null },
  });
  return { recipient: recipient!, secret };
}

/**
 * Queues a webhook for a recipient in the caller's transaction, at most once per
 * (event, request, recipient). `data` should name records by the platform's ids, never carry chat
 * content. Returns false when the recipient has no webhook (its task stays manual).
 */
export async function enqueueRecipientWebhook(
  tx: Tx,
  ctx: AppContext,
  input: { orgId: string; recipientId: string; requestId: string; event: WebhookEvent; data: Record<string, unknown> },
): Promise<boolean> {
  const [recipient] = await tx
    .select()
    .from(recipients)
    .where(and(eq(recipients.id, input.recipientId), eq(recipients.orgId, input.orgId)));
  if (!recipient) throw new NotFoundError("recipient");
  if (!recipient.active || !recipient.webhookUrl || !recipient.webhookSecretEnc) return false;
  const dedupeKey = `webhook:${input.event}:${input.requestId}:${recipient.id}`;
  // Queued before: leave it (and the task's status, which may already say delivered) alone.
  const [queued] = await tx.select({ id: outbox.id }).from(outbox).where(eq(outbox.dedupeKey, dedupeKey));
  if (queued) return true;
  await enqueueOutbox(
    tx,
    ctx.keys,
    {
      orgId: input.orgId,
      kind: "webhook",
      recipient: recipient.id,
      template: input.event,
      locale: "en",
      payload: { event: input.event, data: input.data },
      requestId: input.requestId,
      dedupeKey,
    },
    ctx.clock.now(),
  );
  await setTaskStatus(tx, input.requestId, recipient.id, "pending");
  return true;
}

/** The JSON a receiver gets. `id` is stable across retries, so receivers can drop duplicates. */
export function webhookBody(row: OpenedOutboxRow): string {
  const payload = row.payload as { event?: string; data?: unknown };
  return JSON.stringify({
    id: row.id,
    event: payload.event ?? row.template,
    createdAt: row.createdAt.toISOString(),
    requestId: row.requestId,
    data: payload.data ?? {},
  });
}

export function signWebhook(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${crypto.createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

/**
 * For receivers (and tests): true when `header` is a valid signature of "<timestamp>.<body>" and
 * the timestamp is within `toleranceSec` of `now` (which stops replays of old deliveries).
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string | Buffer,
  header: string,
  now: Date = new Date(),
  toleranceSec = 300,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * The outbox's deliverer for kind "webhook". 2xx: delivered. 408, 429, 5xx, 3xx, timeouts and
 * network errors: retried with the outbox's backoff. Other 4xx: permanent. The recipient task of
 * (request, recipient) shows the outcome.
 */
export async function deliverWebhook(ctx: AppContext, row: OpenedOutboxRow): Promise<void> {
  try {
    const [recipient] = await ctx.db.select().from(recipients).where(eq(recipients.id, row.recipient));
    if (!recipient?.active || !recipient.webhookUrl || !recipient.webhookSecretEnc) {
      throw new PermanentDeliveryError("recipient has no active webhook");
    }
    const secret = ctx.keys.openWithMaster(recipient.webhookSecretEnc, WEBHOOK_SECRET_PURPOSE);
    const body = webhookBody(row);
    const timestamp = String(Math.floor(ctx.clock.now().getTime() / 1000));
    let res: { status: number };
    try {
      res = await postOutbound(recipient.webhookUrl, body, {
        "content-type": "application/json",
        "user-agent": "Rightsdesk-Webhooks/1",
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
        "X-Rightsdesk-Event": (row.payload as { event?: string }).event ?? row.template,
        "X-Rightsdesk-Delivery": row.id,
      }, { policy: outboundPolicy(ctx.config), timeoutMs: WEBHOOK_TIMEOUT_MS });
    } catch (err) {
      // The address is the admin's to fix: retrying would only knock on the same door.
      if (err instanceof AddressNotAllowedError) throw new PermanentDeliveryError("webhook address not allowed");
      throw networkError(err);
    }
    if (res.status < 200 || res.status > 299) {
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500 || res.status < 400;
      throw retryable ? new Error(`HTTP ${res.status}`) : new PermanentDeliveryError(`HTTP ${res.status}`);
    }
    if (row.requestId) await setTaskStatus(ctx.db, row.requestId, row.recipient, "delivered");
  } catch (err) {
    const final = err instanceof PermanentDeliveryError || row.attempts >= MAX_ATTEMPTS;
    if (row.requestId) await setTaskStatus(ctx.db, row.requestId, row.recipient, final ? "failed" : "retrying");
    throw err;
  }
}

/** A short reason without the URL (it may carry a token of the receiver's). */
function networkError(err: unknown): Error {
  const e = err as { name?: string; code?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return new Error("timeout");
  return new Error(typeof e?.code === "string" && /^E[A-Z_]+$/.test(e.code) ? e.code : "network error");
}

async function setTaskStatus(db: Tx | AppContext["db"], requestId: string, recipientId: string, status: WebhookStatus): Promise<void> {
  await db
    .update(recipientTasks)
    .set({ webhookStatus: status })
    .where(and(eq(recipientTasks.requestId, requestId), eq(recipientTasks.recipientId, recipientId)));
}
