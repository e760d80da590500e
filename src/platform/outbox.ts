import crypto from "node:crypto";
import { and, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { outbox } from "../db/schema/index.js";

/**
 * The transactional outbox: a notification is a row written in the same transaction as the change
 * it announces, and a worker delivers it later with retries and exponential backoff. Mail is
 * marked sent right after the server accepts it, and carries a Message-ID fixed at enqueue time.
 */
export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxDeliverer = (ctx: AppContext, row: OutboxRow) => Promise<void>;

/** Thrown by a deliverer when retrying cannot help (a rejected address, a 4xx from a webhook). */
export class PermanentDeliveryError extends Error {}

export interface EnqueueInput {
  orgId: string | null;
  kind: "email" | "webhook";
  recipient: string;
  template: string;
  locale: string;
  payload: Record<string, unknown>;
  requestId?: string | null;
  dedupeKey?: string;
}

export async function enqueueOutbox(db: Executor, input: EnqueueInput, now: Date): Promise<void> {
  await db
    .insert(outbox)
    .values({
      ...input,
      requestId: input.requestId ?? null,
      messageId: `<${crypto.randomUUID()}@rightsdesk>`,
      nextAttemptAt: now,
    })
    .onConflictDoNothing();
}

const LEASE_MS = 2 * 60_000;
export const MAX_ATTEMPTS = 25;

/** 30 s, 1 min, 2 min … capped at 30 min: with 25 tries an outage of many hours loses nothing. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 30 * 60_000);
}

async function claimDue(ctx: AppContext, limit: number): Promise<OutboxRow[]> {
  const now = ctx.clock.now();
  const due = ctx.db
    .select({ id: outbox.id })
    .from(outbox)
    .where(
      or(
        and(eq(outbox.status, "pending"), lte(outbox.nextAttemptAt, now)),
        and(eq(outbox.status, "sending"), lt(outbox.lockedUntil, now)),
      ),
    )
    .orderBy(outbox.nextAttemptAt)
    .limit(limit)
    .for("update", { skipLocked: true });
  return ctx.db
    .update(outbox)
    .set({ status: "sending", lockedUntil: new Date(now.getTime() + LEASE_MS), attempts: sql`${outbox.attempts} + 1` })
    .where(inArray(outbox.id, due))
    .returning();
}

export interface DeliveryCounts {
  sent: number;
  retried: number;
  failed: number;
}

export async function deliverDueOutbox(
  ctx: AppContext,
  deliverers: Partial<Record<OutboxRow["kind"], OutboxDeliverer>>,
  limit = 20,
): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { sent: 0, retried: 0, failed: 0 };
  for (const row of await claimDue(ctx, limit)) {
    const outcome = await deliverOne(ctx, deliverers, row);
    counts[outcome] += 1;
  }
  return counts;
}

async function deliverOne(
  ctx: AppContext,
  deliverers: Partial<Record<OutboxRow["kind"], OutboxDeliverer>>,
  row: OutboxRow,
): Promise<keyof DeliveryCounts> {
  const now = () => ctx.clock.now();
  try {
    const deliver = deliverers[row.kind];
    if (!deliver) throw new PermanentDeliveryError(`no deliverer for ${row.kind}`);
    await deliver(ctx, row);
    await ctx.db
      .update(outbox)
      .set({ status: "sent", sentAt: now(), lockedUntil: null, lastError: null })
      .where(eq(outbox.id, row.id));
    return "sent";
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError || row.attempts >= MAX_ATTEMPTS;
    const reason = describeError(err);
    ctx.logger.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, permanent, reason }, "delivery failed");
    await ctx.db
      .update(outbox)
      .set({
        status: permanent ? "failed" : "pending",
        lockedUntil: null,
        lastError: reason,
        nextAttemptAt: new Date(now().getTime() + backoffMs(row.attempts)),
      })
      .where(eq(outbox.id, row.id));
    return permanent ? "failed" : "retried";
  }
}

/** A short reason for staff, without the message itself or any address. */
function describeError(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; message?: string };
  if (e.responseCode) return `SMTP ${e.responseCode}`;
  if (e.code) return e.code;
  return (e.message ?? "error").replace(/\S+@\S+/g, "[address]").slice(0, 200);
}
