import { and, desc, eq, or, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests } from "../db/schema/index.js";
import { requestThread } from "../requests/requester-queries.js";
import { openRequests } from "../requests/request-texts.js";
import type { RequestRow } from "./package-data.js";

/** One of the person's requests as the access package tells it (Art. 15(1): the data includes their requests). */
export interface RequestHistoryItem {
  reference: string;
  type: string;
  status: string;
  receivedAt: Date;
  completedAt: Date | null;
  decision: string | null;
  legalGround: string | null;
  decisionReason: string | null;
  decidedAt: Date | null;
  messages: { from: "requester" | "staff"; createdAt: Date; body: string }[];
}

/** Every request of the same person (account or receipt code) with its messages and decision, newest first. */
export async function requestHistory(ctx: AppContext, orgId: string, request: RequestRow): Promise<RequestHistoryItem[]> {
  const own: SQL[] = [];
  if (request.subjectId) own.push(eq(requests.subjectId, request.subjectId));
  if (request.receiptConversationId) own.push(eq(requests.receiptConversationId, request.receiptConversationId));
  const mine = own.length === 0
    ? [request]
    : await ctx.db.select().from(requests).where(and(eq(requests.orgId, orgId), own.length === 1 ? own[0]! : or(...own)!)).orderBy(desc(requests.receivedAt));
  const opened = await openRequests(ctx.db, ctx.keys, mine);
  const items: RequestHistoryItem[] = [];
  for (const r of opened) {
    const thread = await requestThread(ctx, r);
    items.push({
      reference: r.reference, type: r.type, status: r.status, receivedAt: r.receivedAt, completedAt: r.completedAt,
      decision: r.decision, legalGround: r.legalGround, decisionReason: r.decisionReason, decidedAt: r.decidedAt,
      messages: thread.map((m) => ({ from: m.authorType, createdAt: m.createdAt, body: m.body })),
    });
  }
  return items;
}
