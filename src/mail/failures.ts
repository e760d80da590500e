import { and, desc, eq, lt } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { outbox, requests } from "../db/schema/index.js";
import { openOutboxRecipient } from "../platform/outbox.js";

/**
 * E-mails that will not be delivered: refused for good by the receiving server (typically an
 * address that does not exist) or given up after days of retrying. Staff see them on the request
 * page, admins in a list, so someone can reach the person another way.
 */
export interface FailedMail {
  id: string;
  orgId: string | null;
  requestId: string | null;
  /** The request's reference, when the mail belonged to a request. */
  requestReference: string | null;
  template: string;
  /** Staff may see the address the mail was for (never shown to anyone else); null once shredded. */
  recipient: string | null;
  /** rejected: the server refused it; gave_up: it could not be delivered in time. */
  kind: "rejected" | "gave_up";
  /** A short technical reason without personal data, e.g. "SMTP 550 5.1.1". */
  reason: string;
  attempts: number;
  queuedAt: Date;
  failedAt: Date;
}

const columns = {
  id: outbox.id,
  orgId: outbox.orgId,
  requestId: outbox.requestId,
  requestReference: requests.reference,
  template: outbox.template,
  recipientEnc: outbox.recipientEnc,
  subjectKeyId: outbox.subjectKeyId,
  keyWrapped: outbox.keyWrapped,
  payloadEnc: outbox.payloadEnc,
  lastError: outbox.lastError,
  attempts: outbox.attempts,
  queuedAt: outbox.createdAt,
  // A failed row's next_attempt_at holds the time of its last attempt (platform/outbox.ts).
  failedAt: outbox.nextAttemptAt,
};

function selectFailed(ctx: AppContext) {
  return ctx.db.select(columns).from(outbox).leftJoin(requests, eq(requests.id, outbox.requestId));
}

type Row = Awaited<ReturnType<typeof selectFailed>>[number];

async function toFailedMail(ctx: AppContext, r: Row): Promise<FailedMail> {
  const reason = r.lastError ?? "unknown";
  return {
    id: r.id,
    orgId: r.orgId,
    requestId: r.requestId,
    requestReference: r.requestReference,
    template: r.template,
    recipient: await openOutboxRecipient(ctx.db, ctx.keys, r),
    kind: reason.startsWith("gave up") ? "gave_up" : "rejected",
    reason,
    attempts: r.attempts,
    queuedAt: r.queuedAt,
    failedAt: r.failedAt,
  };
}

/** The organization's undeliverable e-mails, newest first (admin list); page with `before`. */
export async function listFailedMail(
  ctx: AppContext,
  orgId: string,
  opts: { limit?: number; before?: Date } = {},
): Promise<FailedMail[]> {
  const rows = await selectFailed(ctx)
    .where(
      and(
        eq(outbox.orgId, orgId),
        eq(outbox.kind, "email"),
        eq(outbox.status, "failed"),
        opts.before ? lt(outbox.nextAttemptAt, opts.before) : undefined,
      ),
    )
    .orderBy(desc(outbox.nextAttemptAt), desc(outbox.id))
    .limit(Math.min(Math.max(opts.limit ?? 100, 1), 500));
  return Promise.all(rows.map((r) => toFailedMail(ctx, r)));
}

/**
 * Undeliverable e-mails about one request, newest first (staff request page). The caller has
 * already authorized access to the request (its organization is the staff member's).
 */
export async function failedMailForRequest(ctx: AppContext, requestId: string): Promise<FailedMail[]> {
  const rows = await selectFailed(ctx)
    .where(and(eq(outbox.requestId, requestId), eq(outbox.kind, "email"), eq(outbox.status, "failed")))
    .orderBy(desc(outbox.nextAttemptAt), desc(outbox.id));
  return Promise.all(rows.map((r) => toFailedMail(ctx, r)));
}
