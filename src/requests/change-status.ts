import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { organizations, requests } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { ConflictError, NotFoundError } from "../platform/errors.js";
import { reopenTransition, transition, type RequestStatus } from "./lifecycle.js";
import { recordEvent } from "./events.js";
import { effectiveDueDate, pausedDaysBetween } from "./deadlines.js";

export type RequestRow = typeof requests.$inferSelect;

/** Locks a request row for the rest of the transaction, so two decisions cannot interleave. */
export async function lockRequest(tx: Tx, requestId: string, orgId: string): Promise<RequestRow> {
  const [row] = await tx.select().from(requests).where(eq(requests.id, requestId)).for("update");
  if (!row || row.orgId !== orgId) throw new NotFoundError("request");
  return row;
}

export interface StatusChange {
  to: RequestStatus;
  /** Event kind for the timeline, e.g. "approved", "identity_requested". */
  kind?: string;
  note?: string | null;
  visibleToRequester?: boolean;
  /** Extra columns set together with the status (decision, reason …). */
  set?: Partial<typeof requests.$inferInsert>;
  /** The status the caller saw; a different current status means someone else moved it first. */
  expectedFrom?: RequestStatus;
  /** More facts for the audit entry (never free text: lengths and flags). */
  auditDetails?: Record<string, unknown>;
  /** A DPO reopening a closed decision from a complaint (lifecycle.ts reopenTransition). */
  reopening?: boolean;
}

/**
 * The one way a request's status changes: the lifecycle checks the move, the clock pauses while
 * awaiting identity information, and the event and audit entry are written in the same transaction.
 */
export async function changeStatus(tx: Tx, ctx: AppContext, actor: Actor, current: RequestRow, change: StatusChange): Promise<RequestRow> {
  const from = current.status as RequestStatus;
  if (change.expectedFrom && change.expectedFrom !== from) throw new ConflictError("stale_status");
  const to = change.reopening ? reopenTransition(from, change.to) : transition(from, change.to);
  const now = ctx.clock.now();
  const clock = await clockColumns(tx, current, to, now);
  const [updated] = await tx
    .update(requests)
    .set({ ...change.set, ...clock, status: to, updatedAt: now })
    .where(eq(requests.id, current.id))
    .returning();
  const kind = change.kind ?? to;
  await recordEvent(tx, ctx.clock, current.id, actor, { kind, fromStatus: from, toStatus: to, note: change.note, visibleToRequester: change.visibleToRequester });
  await appendAudit(tx, ctx, {
    orgId: current.orgId, actor, action: `request.${kind}`, target: { type: "request", id: current.id }, subjectId: current.subjectId,
    details: { ...change.auditDetails, reference: current.reference, from, to },
  });
  return updated!;
}

/** Pause on entering awaiting_identity; on leaving it, add the whole days paused to the due date. */
async function clockColumns(tx: Tx, current: RequestRow, to: RequestStatus, now: Date): Promise<Partial<RequestRow>> {
  const entering = to === "awaiting_identity" && current.status !== "awaiting_identity";
  if (entering) return { pausedSince: now };
  if (!current.pausedSince || to === "awaiting_identity") return {};
  const [org] = await tx.select().from(organizations).where(eq(organizations.id, current.orgId));
  const pausedDays = current.pausedDays + pausedDaysBetween(current.pausedSince, now, org!.timeZone);
  return { pausedSince: null, pausedDays, effectiveDueDate: effectiveDue(current, pausedDays, org!) };
}

/** The date the queue works to: the extended period if extended, plus the days paused (deadlines.ts). */
export function effectiveDue(r: Pick<RequestRow, "receivedAt" | "extendedDueDate">, pausedDays: number, org: { country: string; timeZone: string }): string {
  return effectiveDueDate(r.receivedAt, org.country, org.timeZone, { extended: r.extendedDueDate !== null, pausedDays });
}
