import { and, asc, desc, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations, requestEvents, requests } from "../db/schema/index.js";
import { openRequest, openThread, type OpenedRequest, type ThreadMessage } from "./request-texts.js";
import type { Requester } from "../identity/guards.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import type { RequestRow } from "./change-status.js";

/** The condition that a request belongs to this requester: their subject, or their receipt conversation. */
function ownedBy(requester: Requester) {
  const parts = [
    requester.subjectId ? eq(requests.subjectId, requester.subjectId) : undefined,
    requester.conversationId ? eq(requests.receiptConversationId, requester.conversationId) : undefined,
  ].filter((p) => p !== undefined);
  return parts.length ? or(...parts) : undefined;
}

export async function listMyRequests(ctx: AppContext, orgId: string, requester: Requester): Promise<RequestRow[]> {
  const owner = ownedBy(requester);
  if (!owner) return [];
  return ctx.db.select().from(requests).where(and(eq(requests.orgId, orgId), owner)).orderBy(desc(requests.receivedAt)).limit(200);
}

/** One of the requester's own requests; anyone else's is "not found", never "forbidden". */
export async function getMyRequest(ctx: AppContext, orgId: string, requester: Requester, reference: string): Promise<OpenedRequest> {
  const owner = ownedBy(requester);
  const [row] = owner
    ? await ctx.db.select().from(requests).where(and(eq(requests.orgId, orgId), eq(requests.reference, reference), owner))
    : [];
  if (!row) throw new NotFoundError("request");
  return openRequest(ctx.db, ctx.keys, row);
}

export async function requestTimeline(ctx: AppContext, requestId: string, opts: { requesterView: boolean }) {
  const where = opts.requesterView
    ? and(eq(requestEvents.requestId, requestId), eq(requestEvents.visibleToRequester, 1))
    : eq(requestEvents.requestId, requestId);
  return ctx.db.select().from(requestEvents).where(where).orderBy(asc(requestEvents.at), asc(requestEvents.id));
}

/** The thread, opened under the request's key. */
export async function requestThread(ctx: AppContext, r: Pick<RequestRow, "id" | "subjectKeyId">): Promise<ThreadMessage[]> {
  return openThread(ctx.db, ctx.keys, r);
}

/** The condition that a conversation is this requester's: their account's, or their receipt code's one. */
function conversationOf(requester: Requester) {
  const mine = [
    requester.subjectId ? eq(conversations.subjectId, requester.subjectId) : undefined,
    requester.conversationId ? eq(conversations.id, requester.conversationId) : undefined,
  ].filter((p) => p !== undefined);
  return mine.length ? or(...mine) : undefined;
}

/** Conversations the requester may pick from: date, topic and length only, no content. */
export async function pickableConversations(ctx: AppContext, orgId: string, requester: Requester) {
  const mine = conversationOf(requester);
  if (!mine) return [];
  return ctx.db
    .select({ id: conversations.id, startedAt: conversations.startedAt, topic: conversations.topic, messageCount: conversations.messageCount, erasedAt: conversations.erasedAt })
    .from(conversations)
    .where(and(eq(conversations.orgId, orgId), mine))
    .orderBy(desc(conversations.startedAt))
    .limit(500);
}

/**
 * The chosen conversations of a draft, as far as they are still the requester's own and not
 * erased: a posted id of anyone else's is never stored, and its topic never shown.
 */
export async function chosenConversations(ctx: AppContext, orgId: string, requester: Requester, ids: string[]) {
  const mine = conversationOf(requester);
  if (!mine || ids.length === 0) return [];
  return summaries(ctx, and(eq(conversations.orgId, orgId), mine, isNull(conversations.erasedAt), inArray(conversations.id, ids)));
}

/** Fails with the field error of the conversation step unless every id is a conversation the requester may pick. */
export async function assertOwnConversations(ctx: AppContext, orgId: string, requester: Requester, ids: string[]): Promise<void> {
  const own = await chosenConversations(ctx, orgId, requester, ids);
  if (own.length !== new Set(ids).size) throw new ValidationError({ conversationIds: "requests.errors.unknownConversation" });
}

/** The conversations of a filed request (checked when it was submitted), in its organization. */
export async function conversationSummaries(ctx: AppContext, orgId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return summaries(ctx, and(eq(conversations.orgId, orgId), inArray(conversations.id, ids)));
}

function summaries(ctx: AppContext, where: SQL | undefined) {
  return ctx.db
    .select({ id: conversations.id, startedAt: conversations.startedAt, topic: conversations.topic, messageCount: conversations.messageCount, erasedAt: conversations.erasedAt, legalHoldAt: conversations.legalHoldAt })
    .from(conversations)
    .where(where)
    .orderBy(asc(conversations.startedAt));
}
