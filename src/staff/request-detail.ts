import { and, asc, desc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations, requestNotes, requests, staffUsers, subjects } from "../db/schema/index.js";
import { NotFoundError } from "../platform/errors.js";
import type { RequestRow } from "../requests/change-status.js";
import { requestThread, requestTimeline } from "../requests/requester-queries.js";
import { fulfilmentPanel } from "../fulfilment/panel.js";

/** A request by id within the organization; another organization's request is "not found". */
export async function staffRequest(ctx: AppContext, orgId: string, id: string): Promise<RequestRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError("request");
  const [row] = await ctx.db.select().from(requests).where(and(eq(requests.id, id), eq(requests.orgId, orgId)));
  if (!row) throw new NotFoundError("request");
  return row;
}

/** The conversations a request covers: dates, topics and counts only, never content. */
export async function conversationsInScope(ctx: AppContext, r: RequestRow) {
  const cols = { id: conversations.id, startedAt: conversations.startedAt, endedAt: conversations.endedAt, topic: conversations.topic, messageCount: conversations.messageCount, erasedAt: conversations.erasedAt, restrictedAt: conversations.restrictedAt, legalHoldAt: conversations.legalHoldAt, legalHoldReason: conversations.legalHoldReason };
  if (r.scope === "chosen_conversations" || !r.subjectId) {
    const ids = r.conversationIds.length ? r.conversationIds : r.receiptConversationId ? [r.receiptConversationId] : [];
    if (ids.length === 0) return [];
    return ctx.db.select(cols).from(conversations).where(and(eq(conversations.orgId, r.orgId), inArray(conversations.id, ids))).orderBy(asc(conversations.startedAt));
  }
  if (r.scope === "profile") return [];
  return ctx.db.select(cols).from(conversations).where(and(eq(conversations.orgId, r.orgId), eq(conversations.subjectId, r.subjectId))).orderBy(asc(conversations.startedAt)).limit(500);
}

/** Everything the detail page shows. */
export async function requestDetail(ctx: AppContext, r: RequestRow) {
  const [subjectRows, events, thread, notes, staff, convs] = await Promise.all([
    r.subjectId ? ctx.db.select().from(subjects).where(eq(subjects.id, r.subjectId)) : Promise.resolve([]),
    requestTimeline(ctx, r.id, { requesterView: false }),
    requestThread(ctx, r.id),
    ctx.db.select({ id: requestNotes.id, body: requestNotes.body, createdAt: requestNotes.createdAt, authorName: staffUsers.name })
      .from(requestNotes).leftJoin(staffUsers, eq(staffUsers.id, requestNotes.authorId))
      .where(eq(requestNotes.requestId, r.id)).orderBy(desc(requestNotes.createdAt)),
    ctx.db.select({ id: staffUsers.id, name: staffUsers.name, role: staffUsers.role }).from(staffUsers)
      .where(and(eq(staffUsers.orgId, r.orgId), isNull(staffUsers.disabledAt), isNotNull(staffUsers.passwordHash))).orderBy(asc(staffUsers.name)),
    conversationsInScope(ctx, r),
  ]);
  const s = subjectRows[0];
  const subject = s ? { displayName: s.displayName, email: s.email, locale: s.locale, emailVerifiedAt: s.emailVerifiedAt, staffVerifiedAt: s.staffVerifiedAt, staffVerifiedNote: s.staffVerifiedNote, restrictedAt: s.restrictedAt, createdAt: s.createdAt, lastActivityAt: s.lastActivityAt } : undefined;
  return { subject, events, thread, notes, staff, conversations: convs, fulfilment: await fulfilmentPanel(ctx, r) };
}
