import crypto from "node:crypto";
import { and, eq, gt, inArray, isNotNull, lt, lte, or, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { isDatabaseUnavailable, type Executor } from "../db/client.js";
import { outbox } from "../db/schema/index.js";
import { persistThroughOutage } from "./outage.js";
import { open, seal, type KeyRing } from "./crypto.js";
import { keyById, openField, sealField, type SubjectKey } from "./subject-keys.js";

/**
 * The transactional outbox: a notification is a row written in the same transaction as the change
 * it announces, and a worker delivers it later with retries and exponential backoff. Mail is
 * marked sent right after the server accepts it, and carries a Message-ID fixed at enqueue time.
 *
 * Exactly-once in the ordinary case: a row is claimed under a lease (SKIP LOCKED, so instances
 * never share a row), the lease is renewed right before each delivery and every later write is
 * fenced by the attempt number, so a worker that lost its lease can neither deliver again nor
 * overwrite the outcome of the worker that took over. What remains is the unavoidable window
 * between the server accepting a message and the "sent" commit (a crash there re-sends, with the
 * same Message-ID so the receiving side can tell).
 *
 * A database outage pauses delivery rather than losing or repeating it: each write about a
 * claimed row (renewal, sent, failed) waits for the database to come back, within the lease, so a
 * message the server accepted is marked sent, not sent again once the lease runs out.
 *
 * The recipient and payload are sealed (issue 18): mail to a requester under that person's data
 * key (subject_key_id), so erasing them shreds it, pending or sent; everything else (mail to staff,
 * webhooks, the final notice of an erasure) under a key of the row's own, wrapped by the master
 * key (key_wrapped; rotated by keys:rotate). The associated data names the row and the field, so
 * a ciphertext opens nowhere else. Nothing an operator reads in the table names the recipient.
 */
export type OutboxRow = typeof outbox.$inferSelect;
/** A row with its recipient and payload opened, as deliverers get it. */
export type OpenedOutboxRow = OutboxRow & { recipient: string; payload: Record<string, unknown> };
export type OutboxDeliverer = (ctx: AppContext, row: OpenedOutboxRow) => Promise<void>;

/** Thrown by a deliverer when retrying cannot help (a rejected address, a 4xx from a webhook). */
export class PermanentDeliveryError extends Error {}

/**
 * Thrown by a deliverer when the channel itself is unavailable (SMTP server unreachable, login
 * refused): the other rows of the same kind in this batch are not tried but deferred the same way,
 * so an outage costs one failed connection per poll instead of one per queued message.
 */
export class ChannelUnavailableError extends Error {}

export interface EnqueueInput {
  orgId: string | null;
  kind: "email" | "webhook";
  recipient: string;
  template: string;
  locale: string;
  payload: Record<string, unknown>;
  requestId?: string | null;
  dedupeKey?: string;
  /** The requester's key when the notification is for a requester: their erasure shreds it. */
  subjectKey?: SubjectKey;
}

const RECIPIENT = "recipient";
const PAYLOAD = "payload";
const fieldOf = (rowId: string, field: string) => `outbox:${rowId}:${field}`;

/** A sealer for one row: under the requester's key, or under a fresh key of the row's own. */
function rowSealer(keys: KeyRing, rowId: string, subjectKey: SubjectKey | undefined) {
  if (subjectKey) {
    return { subjectKeyId: subjectKey.id, keyWrapped: null, seal: (field: string, value: string) => sealField(subjectKey, fieldOf(rowId, field), value) };
  }
  const { key, wrapped } = keys.newDataKey();
  return { subjectKeyId: null, keyWrapped: wrapped, seal: (field: string, value: string) => seal(key, value, fieldOf(rowId, field)) };
}

/** The sealed columns of a new row (also for the data migration that seals rows written before). */
export function sealOutboxRow(keys: KeyRing, rowId: string, content: { recipient: string; payload: Record<string, unknown>; subjectKey?: SubjectKey }) {
  const sealer = rowSealer(keys, rowId, content.subjectKey);
  return {
    subjectKeyId: sealer.subjectKeyId,
    keyWrapped: sealer.keyWrapped,
    recipientEnc: sealer.seal(RECIPIENT, content.recipient),
    payloadEnc: sealer.seal(PAYLOAD, JSON.stringify(content.payload)),
  };
}

/** Queues a notification; false when a row with the same dedupeKey already exists. */
export async function enqueueOutbox(db: Executor, keys: KeyRing, input: EnqueueInput, now: Date): Promise<boolean> {
  const { recipient, payload, subjectKey, ...rest } = input;
  const id = crypto.randomUUID();
  const inserted = await db
    .insert(outbox)
    .values({
      ...rest,
      id,
      ...sealOutboxRow(keys, id, { recipient, payload, subjectKey }),
      requestId: input.requestId ?? null,
      messageId: `<${crypto.randomUUID()}@rightsdesk>`,
      nextAttemptAt: now,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: outbox.id });
  return inserted.length > 0;
}

type SealedColumns = Pick<OutboxRow, "id" | "subjectKeyId" | "keyWrapped" | "recipientEnc" | "payloadEnc">;

/** Opens one sealed field of a row, or null when it is gone: shredded with its key, or cleared after delivery. */
async function opener(db: Executor, keys: KeyRing, row: SealedColumns): Promise<((field: string, sealed: Buffer | null) => string | null) | null> {
  if (row.subjectKeyId) {
    const key = await keyById(db, keys, row.subjectKeyId);
    return key ? (field, sealed) => openField(key, fieldOf(row.id, field), sealed) : null;
  }
  if (!row.keyWrapped) return null;
  const key = keys.unwrapDataKey(row.keyWrapped);
  return (field, sealed) => (sealed ? open(key, sealed, fieldOf(row.id, field)).toString("utf8") : null);
}

/** The recipient of a row (staff see it for undeliverable mail), or null once shredded. */
export async function openOutboxRecipient(db: Executor, keys: KeyRing, row: SealedColumns): Promise<string | null> {
  return (await opener(db, keys, row))?.(RECIPIENT, row.recipientEnc) ?? null;
}

/** The row with recipient and payload opened; null once the recipient's key is shredded. */
export async function openOutboxRow(db: Executor, keys: KeyRing, row: OutboxRow): Promise<OpenedOutboxRow | null> {
  const openSealed = await opener(db, keys, row);
  const recipient = openSealed?.(RECIPIENT, row.recipientEnc);
  if (!openSealed || !recipient) return null;
  const payload = openSealed(PAYLOAD, row.payloadEnc);
  return { ...row, recipient, payload: payload ? (JSON.parse(payload) as Record<string, unknown>) : {} };
}

/** Longer than a delivery can take: the SMTP transport's own timeouts end well within it. */
export const LEASE_MS = 5 * 60_000;
/**
 * Attempts before a message is given up (and shown to staff as failed). With the backoff below
 * capped at 30 min, 150 attempts span about three days: an outage over a weekend loses nothing.
 */
export const MAX_ATTEMPTS = 150;

/** 30 s, 1 min, 2 min … capped at 30 min. */
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
    .orderBy(outbox.nextAttemptAt, outbox.createdAt)
    .limit(limit)
    .for("update", { skipLocked: true });
  const rows = await ctx.db
    .update(outbox)
    .set({ status: "sending", lockedUntil: new Date(now.getTime() + LEASE_MS), attempts: sql`${outbox.attempts} + 1` })
    .where(inArray(outbox.id, due))
    .returning();
  return rows.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime());
}

/** The row is still ours: claimed by this attempt and not taken over after a lease ran out. */
function owned(row: OutboxRow) {
  return and(eq(outbox.id, row.id), eq(outbox.status, "sending"), eq(outbox.attempts, row.attempts));
}

export interface DeliveryCounts {
  sent: number;
  /** Failed this time, will be tried again (including rows deferred because their channel was down). */
  retried: number;
  failed: number;
}

/** A write about a claimed row that must not be lost to a database outage (see above). */
type Persist = <T>(row: OutboxRow, write: () => Promise<T>) => Promise<T>;

export async function deliverDueOutbox(
  ctx: AppContext,
  deliverers: Partial<Record<OutboxRow["kind"], OutboxDeliverer>>,
  limit = 20,
  signal?: AbortSignal,
): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { sent: 0, retried: 0, failed: 0 };
  const down = new Map<OutboxRow["kind"], string>();
  const recovered = new Set<OutboxRow["kind"]>();
  const persist: Persist = (row, write) => persistThroughOutage(write, { maxMs: LEASE_MS, signal, logger: ctx.logger, what: { outboxId: row.id } });
  for (const row of await claimDue(ctx, limit)) {
    const reason = down.get(row.kind);
    const outcome = reason === undefined ? await deliverOne(ctx, deliverers, row, down, persist) : await recordFailure(ctx, row, reason, false, persist);
    if (outcome) counts[outcome] += 1;
    // E-mail goes through one relay; webhooks go to many receivers, each recovering on its own.
    if (outcome === "sent" && row.attempts > 1 && row.kind === "email") recovered.add(row.kind);
  }
  for (const kind of recovered) if (!down.has(kind)) await releaseBacklog(ctx, kind);
  return counts;
}

/**
 * A message that had failed before went through: the mail relay is back. Mail still backing off
 * (up to 30 min) becomes due now, so the backlog of an outage leaves within minutes.
 */
async function releaseBacklog(ctx: AppContext, kind: OutboxRow["kind"]): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db
    .update(outbox)
    .set({ nextAttemptAt: now })
    .where(and(eq(outbox.kind, kind), eq(outbox.status, "pending"), gt(outbox.nextAttemptAt, now), isNotNull(outbox.lastError)));
}

async function deliverOne(
  ctx: AppContext,
  deliverers: Partial<Record<OutboxRow["kind"], OutboxDeliverer>>,
  row: OutboxRow,
  down: Map<OutboxRow["kind"], string>,
  persist: Persist,
): Promise<keyof DeliveryCounts | undefined> {
  // Renew the lease just before delivering: rows late in a batch must not have been taken over.
  const renewed = await persist(row, () =>
    ctx.db.update(outbox).set({ lockedUntil: new Date(ctx.clock.now().getTime() + LEASE_MS) }).where(owned(row)).returning({ id: outbox.id }),
  );
  if (renewed.length === 0) {
    ctx.logger.warn({ outboxId: row.id }, "outbox lease lost before delivery; left to its new owner");
    return undefined;
  }
  try {
    const deliver = deliverers[row.kind];
    if (!deliver) throw new PermanentDeliveryError(`no deliverer for ${row.kind}`);
    const opened = await openOutboxRow(ctx.db, ctx.keys, row);
    // The requester was erased after the mail was queued: their key, and the address with it, is gone.
    if (!opened) throw new PermanentDeliveryError("recipient erased");
    await deliver(ctx, opened);
  } catch (err) {
    // The deliverer's own look-ups (the sender's address) met the outage: not the message's fault.
    if (isDatabaseUnavailable(err)) return deferUntilBack(ctx, row, persist);
    const reason = describeError(err);
    if (err instanceof ChannelUnavailableError) down.set(row.kind, reason);
    return recordFailure(ctx, row, reason, err instanceof PermanentDeliveryError, persist);
  }
  const marked = await persist(row, () =>
    ctx.db
      .update(outbox)
      // The payload may hold a sign-in code or a reset link: once delivered it is not kept.
      .set({ status: "sent", sentAt: ctx.clock.now(), lockedUntil: null, lastError: null, payloadEnc: null })
      .where(owned(row))
      .returning({ id: outbox.id }),
  );
  if (marked.length === 0) ctx.logger.warn({ outboxId: row.id }, "outbox row delivered after its lease was taken over");
  return "sent";
}

/**
 * A failed (or deferred) attempt: back off exponentially, or fail for good when the error is
 * permanent or the attempts are used up. A failed row's next_attempt_at keeps the time of
 * its last attempt (failures.ts shows it as the failure time).
 */
async function recordFailure(ctx: AppContext, row: OutboxRow, reason: string, permanentError: boolean, persist: Persist): Promise<keyof DeliveryCounts> {
  const now = ctx.clock.now();
  const gaveUp = !permanentError && row.attempts >= MAX_ATTEMPTS;
  const permanent = permanentError || gaveUp;
  ctx.logger.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, permanent, reason }, "delivery failed");
  await persist(row, () =>
    ctx.db
      .update(outbox)
      .set({
        status: permanent ? "failed" : "pending",
        ...(permanent ? { payloadEnc: null } : {}),
        lockedUntil: null,
        lastError: gaveUp ? `gave up after ${row.attempts} attempts: ${reason}`.slice(0, 240) : reason,
        nextAttemptAt: permanent ? now : new Date(now.getTime() + backoffMs(row.attempts)),
      })
      .where(owned(row)),
  );
  return permanent ? "failed" : "retried";
}

/** Back in the queue, due at once and without backoff, once the database answers again. */
async function deferUntilBack(ctx: AppContext, row: OutboxRow, persist: Persist): Promise<keyof DeliveryCounts> {
  await persist(row, () => ctx.db.update(outbox).set({ status: "pending", lockedUntil: null, nextAttemptAt: ctx.clock.now() }).where(owned(row)));
  return "retried";
}

/**
 * For the database's only user (embedded PGlite behind its DATA_DIR lock), at start: rows left
 * "sending" belong to a process that died, and are due again now rather than when their lease ends.
 */
export async function releaseAbandonedOutbox(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .update(outbox)
    .set({ lockedUntil: new Date(now.getTime() - 1) })
    .where(and(eq(outbox.status, "sending"), gt(outbox.lockedUntil, new Date(now.getTime() - 1))))
    .returning({ id: outbox.id });
  return rows.length;
}

/** A short reason for staff, without the message itself or any address. */
export function describeError(err: unknown): string {
  const e = err as { code?: string; originalCode?: string; responseCode?: number; response?: string; message?: string };
  if (e.responseCode) {
    const enhanced = typeof e.response === "string" ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(e.response)?.[1] : undefined;
    return enhanced ? `SMTP ${e.responseCode} ${enhanced}` : `SMTP ${e.responseCode}`;
  }
  if (e.code) return e.originalCode && e.originalCode !== e.code ? `${e.code} (${e.originalCode})` : e.code;
  return (e.message ?? "error").replace(/\S+@\S+/g, "[address]").slice(0, 200);
}
