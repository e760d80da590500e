/**
 * The DPO's review of an access, export or police package before it is released (Art. 15(4)).
 * Approving such a request opens the review (the request stays approved, nothing is built);
 * the DPO pages through the conversations, accepting the engine's suggestions, adding spans or
 * withholding whole messages and notes, each with a reason from a closed list; releasing hands
 * the request to the exports capability, which applies the redactions to every format.
 */
import { and, count, eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor, Tx } from "../db/client.js";
import { packageRedactions, packageReviews } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { ConflictError, NotFoundError } from "../platform/errors.js";
import type { StaffActor } from "../platform/policy.js";
import { inTransaction } from "../platform/transaction.js";
import { lockRequest, type RequestRow } from "../requests/change-status.js";
import { staffRequest } from "../requests/request-by-id.js";
import { resolveScope } from "../exports/package-data.js";
import type { Conversation } from "../chats/conversation-store.js";
import { subjectById, type Subject } from "../chats/subject-store.js";
import { redactionReasons, type RedactionReason } from "../redaction/types.js";
import { handOverToExports } from "./export-handover.js";

/** Messages per review page: a 5,000-message package is 100 pages, never 5,000 forms at once. */
export const REVIEW_PAGE_SIZE = 50;

export type PackageReview = typeof packageReviews.$inferSelect;
export type SubjectRow = Subject;

export function isRedactionReason(value: unknown): value is RedactionReason {
  return typeof value === "string" && (redactionReasons as readonly string[]).includes(value);
}

export async function reviewOfRequest(db: Executor, requestId: string): Promise<PackageReview | undefined> {
  const [row] = await db.select().from(packageReviews).where(eq(packageReviews.requestId, requestId));
  return row;
}

export async function isReviewReleased(db: Executor, requestId: string): Promise<boolean> {
  return (await reviewOfRequest(db, requestId))?.status === "released";
}

/** Opens the review in the approval's transaction; a second approval path finds it open already. */
export async function openPackageReview(tx: Tx, ctx: AppContext, actor: Actor, r: RequestRow): Promise<void> {
  const inserted = await tx.insert(packageReviews).values({ orgId: r.orgId, requestId: r.id }).onConflictDoNothing().returning({ id: packageReviews.id });
  if (inserted.length === 0) return;
  await appendAudit(tx, ctx, {
    orgId: r.orgId, actor, action: "review.opened", target: { type: "request", id: r.id }, subjectId: r.subjectId,
    details: { reference: r.reference, kind: r.type },
  });
}

/** What every review page needs: the request, its person, its open review and the readable conversations. */
export interface ReviewContext {
  request: RequestRow;
  subject: SubjectRow | null;
  review: PackageReview;
  conversations: Conversation[];
}

/** Loads a request's review within the staff member's organization; none (or another org's) is "not found". */
export async function loadReview(ctx: AppContext, orgId: string, requestId: string): Promise<ReviewContext> {
  const request = await staffRequest(ctx, orgId, requestId);
  const review = await reviewOfRequest(ctx.db, request.id);
  if (!review) throw new NotFoundError("review");
  const subject = (await subjectById(ctx.db, ctx.keys, request.subjectId)) ?? null;
  const { readable } = await resolveScope(ctx.db, request);
  return { request, subject, review, conversations: readable };
}

/** Pages of one conversation in the review (at least one, which also shows the notes). */
export function pageCount(conv: Pick<Conversation, "messageCount">): number {
  return Math.max(1, Math.ceil(conv.messageCount / REVIEW_PAGE_SIZE));
}

export interface ReviewSummary {
  byReason: { reason: string; passages: number; messages: number; notes: number }[];
  total: number;
  pagesSaved: number;
  pagesTotal: number;
}

/** Counts by reason from the plain columns: the release page and the audit entry never read the text. */
export async function reviewSummary(db: Executor, rc: ReviewContext): Promise<ReviewSummary> {
  const rows = await db
    .select({ reason: packageRedactions.reason, whole: packageRedactions.whole, itemType: packageRedactions.itemType, n: count() })
    .from(packageRedactions)
    .where(eq(packageRedactions.reviewId, rc.review.id))
    .groupBy(packageRedactions.reason, packageRedactions.whole, packageRedactions.itemType);
  const byReason = new Map<string, { reason: string; passages: number; messages: number; notes: number }>();
  let total = 0;
  for (const r of rows) {
    const entry = byReason.get(r.reason) ?? { reason: r.reason, passages: 0, messages: 0, notes: 0 };
    const n = Number(r.n);
    if (r.whole !== 1) entry.passages += n;
    else if (r.itemType === "note") entry.notes += n;
    else entry.messages += n;
    total += n;
    byReason.set(r.reason, entry);
  }
  const pages = new Set(rc.conversations.flatMap((c) => Array.from({ length: pageCount(c) }, (_, p) => `${c.id}:${p}`)));
  return {
    byReason: [...byReason.values()].sort((a, b) => a.reason.localeCompare(b.reason)),
    total,
    pagesSaved: rc.review.pagesSaved.filter((p) => pages.has(p)).length,
    pagesTotal: pages.size,
  };
}

/** Locks the review of a request that is still waiting for it (approved, review open). */
export async function lockOpenReview(tx: Tx, r: RequestRow): Promise<PackageReview> {
  const [review] = await tx.select().from(packageReviews).where(eq(packageReviews.requestId, r.id)).for("update");
  if (!review) throw new NotFoundError("review");
  if (review.status !== "open" || r.status !== "approved") throw new ConflictError("review_not_open");
  return review;
}

/** Records a saved page, so the release page can say how much of the package was seen. */
export async function markPageSaved(tx: Tx, reviewId: string, page: string): Promise<void> {
  await tx
    .update(packageReviews)
    .set({ pagesSaved: sql`case when ${packageReviews.pagesSaved} @> ${JSON.stringify([page])}::jsonb then ${packageReviews.pagesSaved} else ${packageReviews.pagesSaved} || ${JSON.stringify([page])}::jsonb end` })
    .where(eq(packageReviews.id, reviewId));
}

/**
 * Releases the package: the review closes, its counts (never the text) are audited, and the
 * request is handed to the exports capability (approved → in_progress, export queued) — all in
 * one transaction.
 */
export async function releasePackage(ctx: AppContext, actor: StaffActor, requestId: string): Promise<RequestRow> {
  return inTransaction(ctx, async (tx, txCtx) => {
    const r = await lockRequest(tx, requestId, actor.orgId);
    await lockOpenReview(tx, r);
    const rc = await loadReview(txCtx, actor.orgId, r.id);
    const summary = await reviewSummary(tx, rc);
    const now = ctx.clock.now();
    await tx.update(packageReviews).set({ status: "released", releasedBy: actor.id, releasedAt: now }).where(and(eq(packageReviews.id, rc.review.id), eq(packageReviews.status, "open")));
    await appendAudit(tx, ctx, {
      orgId: r.orgId, actor, action: "review.released", target: { type: "request", id: r.id }, subjectId: r.subjectId,
      details: {
        reference: r.reference, redactions: summary.total, pagesSaved: summary.pagesSaved, pagesTotal: summary.pagesTotal,
        byReason: Object.fromEntries(summary.byReason.map((b) => [b.reason, { passages: b.passages, messages: b.messages, notes: b.notes }])),
      },
    });
    return handOverToExports(tx, txCtx, actor, r);
  });
}
