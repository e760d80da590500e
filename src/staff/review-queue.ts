import { emailIndexOf } from "../chats/subject-store.js";
import type { KeyRing } from "../platform/crypto.js";
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, ne, or, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requestMessages, requests, staffUsers, subjects, type RequestType } from "../db/schema/index.js";
import type { Organization } from "../platform/http/types.js";
import { normalizeEmail } from "../identity/email-address.js";
import { localDate } from "../requests/deadlines.js";
import { openStatuses, type RequestStatus } from "../requests/lifecycle.js";
import { requestStatusView, type RequestStatusView } from "../requests/status-view.js";
import type { StaffActor } from "../platform/policy.js";

export const PAGE_SIZE = 50;
export const DUE_SOON_DAYS = 7;

/** Columns the queue sorts by; a leading "-" sorts latest first. */
export const queueSorts = ["due", "-due", "received", "-received"] as const;
export type QueueSort = (typeof queueSorts)[number];

export interface QueueFilters {
  status?: RequestStatus | "open" | "all";
  type?: RequestType;
  overdue?: boolean;
  mine?: boolean;
  /** "none" for unassigned, or a staff member's id. */
  assignee?: string;
  /** Only what waits for this staff member: see needsActionOf(). */
  needsMyAction?: boolean;
  /** A reference (RD-…) or an exact e-mail address. */
  search?: string;
  sort?: QueueSort;
  /** Keyset cursor: the sort key and id of the last row of the previous page. */
  after?: string;
}

/** What a row is waiting for, shown as tags. */
export interface QueueTags {
  /** The requester wrote last: a message waits for an answer. */
  newMessage: boolean;
  /** An approved erasure waits for a second DPO's confirmation (four eyes). */
  awaitingSecondDpo: boolean;
  /** The requester said by when they need it. */
  urgent: boolean;
}

export interface QueueRow extends RequestStatusView, QueueTags {
  dueSoon: boolean;
  assigneeName: string | null;
}

export interface QueueCounts {
  /** Rows matching the filters (all pages). */
  matching: number;
  /** Over the open requests of the organization, whatever the filters. */
  overdue: number;
  needsMyAction: number;
  unassigned: number;
}

const REFERENCE = /^RD-[0-9A-Z]{4}-[0-9A-Z]{4}$/i;

export function encodeCursor(key: string, id: string): string {
  return Buffer.from(`${key}|${id}`).toString("base64url");
}

export function decodeCursor(cursor: string | undefined, sort: QueueSort = "due"): { key: string; id: string } | undefined {
  if (!cursor) return undefined;
  const [key, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const keyShape = sort.endsWith("due") ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/;
  if (!key || !id || !keyShape.test(key) || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return { key, id };
}

/** The requester wrote last on this request. */
const requesterWroteLast = sql<boolean>`(select ${requestMessages.authorType} = 'requester' from ${requestMessages}
  where ${requestMessages.requestId} = ${requests.id} order by ${requestMessages.createdAt} desc limit 1) is true`;

const awaitingSecondDpo = and(eq(requests.type, "erasure"), eq(requests.status, "approved"), isNotNull(requests.erasureApprovedBy), isNull(requests.erasureConfirmedBy))!;

const isOpenRequest = inArray(requests.status, [...openStatuses]);

/**
 * What waits for this staff member: an open request assigned to them that waits for staff (new,
 * in review, or with the requester's message unanswered), and — for a DPO — an erasure another
 * DPO approved that waits for their confirmation.
 */
function needsActionOf(actor: StaffActor): SQL {
  const mineWaiting = and(eq(requests.assigneeId, actor.id), isOpenRequest, or(inArray(requests.status, ["submitted", "in_review"]), requesterWroteLast));
  if (actor.role !== "dpo") return mineWaiting!;
  return or(mineWaiting, and(awaitingSecondDpo, ne(requests.erasureApprovedBy, actor.id)))!;
}

/** A reference matches exactly (any case); an e-mail address matches its subject exactly, never by part. */
function searchCondition(keys: KeyRing, orgId: string, search: string): SQL {
  const term = search.trim();
  if (REFERENCE.test(term)) return eq(requests.reference, term.toUpperCase());
  if (term.includes("@")) {
    return sql`exists (select 1 from ${subjects} where ${subjects.id} = ${requests.subjectId} and ${subjects.orgId} = ${orgId} and ${subjects.emailIndex} = ${emailIndexOf(keys, normalizeEmail(term))})`;
  }
  return sql`false`;
}

function filterConditions(keys: KeyRing, actor: StaffActor, org: Organization, now: Date, f: QueueFilters): SQL[] {
  const where: (SQL | undefined)[] = [eq(requests.orgId, actor.orgId)];
  const status = f.status ?? "open";
  if (status === "open" || f.overdue) where.push(isOpenRequest);
  else if (status !== "all") where.push(eq(requests.status, status));
  if (f.type) where.push(eq(requests.type, f.type));
  if (f.overdue) where.push(overdueCondition(org, now));
  if (f.mine) where.push(eq(requests.assigneeId, actor.id));
  if (f.assignee === "none") where.push(isNull(requests.assigneeId));
  else if (f.assignee && /^[0-9a-f-]{36}$/i.test(f.assignee)) where.push(eq(requests.assigneeId, f.assignee));
  if (f.needsMyAction) where.push(needsActionOf(actor));
  if (f.search?.trim()) where.push(searchCondition(keys, actor.orgId, f.search));
  return where.filter((w): w is SQL => !!w);
}

/** While an identity pause runs, the due date moves on with the days: overdue only if it already was when the pause began. */
function overdueCondition(org: Organization, now: Date): SQL {
  return sql`${requests.effectiveDueDate} < coalesce((${requests.pausedSince} at time zone ${org.timeZone})::date, ${localDate(now, org.timeZone)}::date)`;
}

function sortColumns(sort: QueueSort) {
  const column = sort.endsWith("due") ? requests.effectiveDueDate : requests.receivedAt;
  const latestFirst = sort.startsWith("-");
  return { column, latestFirst, order: latestFirst ? [desc(column), desc(requests.id)] : [asc(column), asc(requests.id)] };
}

function afterCursor(sort: QueueSort, cursor: { key: string; id: string }): SQL {
  const { latestFirst } = sortColumns(sort);
  const key = sort.endsWith("due") ? sql`${cursor.key}::date` : sql`${cursor.key}::timestamptz`;
  const column = sort.endsWith("due") ? requests.effectiveDueDate : requests.receivedAt;
  return latestFirst ? sql`(${column}, ${requests.id}) < (${key}, ${cursor.id}::uuid)` : sql`(${column}, ${requests.id}) > (${key}, ${cursor.id}::uuid)`;
}

const cursorKey = (sort: QueueSort, row: QueueRow) => (sort.endsWith("due") ? row.effectiveDueDate : row.receivedAt.toISOString());

/**
 * The review queue, earliest due first unless sorted otherwise. Keyset pagination on (sort key,
 * id) walks an index, so a deep page costs what the first one does (no OFFSET).
 */
export async function reviewQueue(ctx: AppContext, actor: StaffActor, org: Organization, f: QueueFilters): Promise<{ rows: QueueRow[]; next?: string }> {
  const now = ctx.clock.now();
  const sort = f.sort ?? "due";
  const where = filterConditions(ctx.keys, actor, org, now, f);
  const cursor = decodeCursor(f.after, sort);
  if (cursor) where.push(afterCursor(sort, cursor));
  const rows = await ctx.db
    .select({ request: requests, assigneeName: staffUsers.name, newMessage: requesterWroteLast, awaitingSecondDpo: sql<boolean>`${awaitingSecondDpo}` })
    .from(requests)
    .leftJoin(staffUsers, eq(staffUsers.id, requests.assigneeId))
    .where(and(...where))
    .orderBy(...sortColumns(sort).order)
    .limit(PAGE_SIZE + 1);
  const page = rows.slice(0, PAGE_SIZE).map(({ request, assigneeName, newMessage, awaitingSecondDpo }): QueueRow => {
    const view = requestStatusView(request, org, now);
    return {
      ...view, assigneeName, newMessage: !!newMessage, awaitingSecondDpo: !!awaitingSecondDpo, urgent: view.open && !!request.neededBy,
      dueSoon: view.open && !view.overdue && view.daysLeft <= DUE_SOON_DAYS,
    };
  });
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > PAGE_SIZE && last ? encodeCursor(cursorKey(sort, last), last.id) : undefined };
}

/** How many rows the filters match, and the counts beside the quick filters (open requests only). */
export async function queueCounts(ctx: AppContext, actor: StaffActor, org: Organization, f: QueueFilters): Promise<QueueCounts> {
  const now = ctx.clock.now();
  const [matching] = await ctx.db.select({ n: count() }).from(requests).where(and(...filterConditions(ctx.keys, actor, org, now, f)));
  const [quick] = await ctx.db
    .select({
      overdue: sql<number>`count(*) filter (where ${overdueCondition(org, now)})`,
      needsMyAction: sql<number>`count(*) filter (where ${needsActionOf(actor)})`,
      unassigned: sql<number>`count(*) filter (where ${requests.assigneeId} is null)`,
    })
    .from(requests)
    .where(and(eq(requests.orgId, actor.orgId), isOpenRequest));
  return { matching: Number(matching?.n ?? 0), overdue: Number(quick?.overdue ?? 0), needsMyAction: Number(quick?.needsMyAction ?? 0), unassigned: Number(quick?.unassigned ?? 0) };
}

/** Staff a request can be assigned to (admins keep the organization, they do not review). */
export async function assignableStaff(ctx: AppContext, orgId: string): Promise<{ id: string; name: string }[]> {
  return ctx.db
    .select({ id: staffUsers.id, name: staffUsers.name })
    .from(staffUsers)
    .where(and(eq(staffUsers.orgId, orgId), isNull(staffUsers.disabledAt), ne(staffUsers.role, "admin")))
    .orderBy(asc(staffUsers.name));
}
