/** Read models for the complaint pages: the requester's own complaints, and the DPO's queue and detail. */
import { openComplaints, openOne } from "./complaint-texts.js";
import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { complaints, requestEvents, requests } from "../db/schema/index.js";
import { NotFoundError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { daysLeft, isOverdue } from "../requests/deadlines.js";
import { requestStatusView } from "../requests/status-view.js";
import { listRequestExports, type ExportSummary } from "../requests/request-files.js";
import type { ComplaintRow } from "./notify.js";
import { actorOf } from "./dossier-data.js";

export interface ComplaintView extends ComplaintRow {
  /** Not answered yet and the organization's local date is past its due date. */
  overdue: boolean;
  daysLeft: number;
}

export function complaintView(c: ComplaintRow, org: Pick<Organization, "timeZone">, now: Date): ComplaintView {
  const waiting = c.answeredAt === null;
  return { ...c, overdue: waiting && isOverdue(now, c.dueDate, org.timeZone), daysLeft: daysLeft(now, c.dueDate, org.timeZone) };
}

/** The requester's complaints about one of their requests (the caller has checked ownership). */
export async function requestComplaints(ctx: AppContext, org: Organization, requestId: string): Promise<ComplaintView[]> {
  const rows = await ctx.db
    .select()
    .from(complaints)
    .where(and(eq(complaints.orgId, org.id), eq(complaints.requestId, requestId)))
    .orderBy(asc(complaints.receivedAt));
  const now = ctx.clock.now();
  return (await openComplaints(ctx.db, ctx.keys, rows)).map((c) => complaintView(c, org, now));
}

/** The complaint files (PDF and ZIP) prepared for a request, newest first. */
export async function dossierExports(ctx: AppContext, orgId: string, requestId: string): Promise<ExportSummary[]> {
  const all = await listRequestExports(ctx.db, { orgId, requestId, now: ctx.clock.now() });
  return all.filter((e) => e.kind === "dossier");
}

export type QueueFilter = "unanswered" | "open" | "answered" | "escalated" | "all";

export interface QueueRow extends ComplaintView {
  requestReference: string;
}

/** The DPO's complaints queue: unanswered first, by due date; this organization only. */
export async function complaintQueue(ctx: AppContext, org: Organization, filter: QueueFilter = "unanswered"): Promise<QueueRow[]> {
  const where: SQL[] = [eq(complaints.orgId, org.id)];
  if (filter === "unanswered") where.push(isNull(complaints.answeredAt));
  else if (filter !== "all") where.push(inArray(complaints.status, [filter]));
  const rows = await ctx.db
    .select({ complaint: complaints, requestReference: requests.reference })
    .from(complaints)
    .innerJoin(requests, and(eq(requests.id, complaints.requestId), eq(requests.orgId, complaints.orgId)))
    .where(and(...where))
    .orderBy(sql`${complaints.answeredAt} is not null`, asc(complaints.dueDate), desc(complaints.receivedAt))
    .limit(500);
  const now = ctx.clock.now();
  const opened = await openComplaints(ctx.db, ctx.keys, rows.map((r) => r.complaint));
  return rows.map((r, i) => ({ ...complaintView(opened[i]!, org, now), requestReference: r.requestReference }));
}

/** A complaint of this organization (else "not found"), for authorization before anything else. */
export async function staffComplaint(ctx: AppContext, orgId: string, id: string): Promise<ComplaintRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError("complaint");
  const [row] = await ctx.db.select().from(complaints).where(and(eq(complaints.id, id), eq(complaints.orgId, orgId)));
  if (!row) throw new NotFoundError("complaint");
  return (await openOne(ctx.db, ctx.keys, row))!;
}

/** What the DPO needs to answer: the complaint, its request and the request's whole timeline. */
export async function complaintDetail(ctx: AppContext, org: Organization, complaint: ComplaintRow) {
  const [request] = await ctx.db.select().from(requests).where(and(eq(requests.id, complaint.requestId), eq(requests.orgId, org.id)));
  if (!request) throw new NotFoundError("complaint");
  const now = ctx.clock.now();
  const events = await ctx.db.select().from(requestEvents).where(eq(requestEvents.requestId, request.id)).orderBy(asc(requestEvents.at), asc(requestEvents.id));
  const others = await requestComplaints(ctx, org, request.id);
  return {
    complaint: complaintView(complaint, org, now), request: requestStatusView(request, org, now),
    events: events.map((e) => ({ ...e, by: actorOf(e.actorType, e.actorRole) })), others: others.filter((c) => c.id !== complaint.id),
  };
}
