/**
 * The review queue as a route table: search, filters, sorting, counts, keyset pages, and
 * assigning several requests at once. Mounted on the staff router after its sign-in guard.
 */
import type { Router } from "express";
import type { AppContext } from "../context.js";
import { requestTypes } from "../db/schema/index.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Answer, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { requestStatuses } from "../requests/lifecycle.js";
import { assignRequests, requestsOfOrg } from "./assign-request.js";
import { staffPolicy } from "./policies.js";
import { assignableStaff, queueCounts, queueSorts, reviewQueue, type QueueFilters, type QueueSort } from "./review-queue.js";
import { assignManySchema, queueSchema, type QueueQuery } from "./schema.js";
import { staffHome } from "./staff-home.js";
import { queueState } from "./case-nav.js";

export const QUEUE_PATH = "/staff";

const orgOf = (_: unknown, call: Call) => ({ kind: "org" as const, orgId: call.org.id });

function filtersOf(q: QueueQuery): QueueFilters {
  return {
    status: q.status, type: q.type, overdue: q.overdue === "1", mine: q.mine === "1", assignee: q.assignee,
    needsMyAction: q.action === "1", search: q.q, sort: q.sort, after: q.after,
  };
}

/** The queue's address with these filters (and no page), to link a sort, a page or a quick filter. */
function queueUrl(q: QueueQuery, change: Partial<QueueQuery> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, after: undefined, ...change })) if (v) params.set(k, String(v));
  const query = params.toString();
  return query ? `${QUEUE_PATH}?${query}` : QUEUE_PATH;
}

/** What a row's link carries to the case page, so its "Back to the queue" keeps these filters. */
function caseQueryOf(q: QueueQuery): string {
  const state = queueState(queueUrl(q).split("?")[1] ?? "");
  return state ? `?queue=${encodeURIComponent(state)}` : "";
}

/** Each sortable column's link: sorting by it, or the other way round when it is the current sort. */
function sortLinks(q: QueueQuery) {
  const current: QueueSort = q.sort ?? "due";
  const link = (column: "due" | "received") => {
    const ascending = current === column;
    const next: QueueSort = ascending ? (`-${column}` as QueueSort) : column;
    const state = current === column ? "ascending" : current === `-${column}` ? "descending" : "none";
    return { url: queueUrl(q, { sort: next === "due" ? undefined : next }), state };
  };
  return { due: link("due"), received: link("received") };
}

async function queuePage(call: Call<StaffActor>, input: QueueQuery, extra: Record<string, unknown> = {}): Promise<Answer> {
  const { ctx, actor, org, t, query } = call;
  const filters = filtersOf(input);
  const [{ rows, next }, counts, staff] = await Promise.all([
    reviewQueue(ctx, actor, org, filters), queueCounts(ctx, actor, org, filters), assignableStaff(ctx, org.id),
  ]);
  const assigned = Number(query.assigned);
  return {
    view: "staff/queue",
    locals: {
      title: t("staff.queue.title"), rows, counts, staff, filters: input, statuses: requestStatuses, types: requestTypes, sorts: queueSorts,
      sortLinks: sortLinks(input), returnTo: call.url, caseQuery: caseQueryOf(input),
      quick: {
        action: queueUrl({}, { action: "1" }), overdue: queueUrl({}, { overdue: "1" }), unassigned: queueUrl({}, { assignee: "none" }),
      },
      nextUrl: next ? `${queueUrl(input)}${queueUrl(input).includes("?") ? "&" : "?"}after=${next}` : undefined,
      firstUrl: input.after ? queueUrl(input) : undefined,
      assigned: Number.isInteger(assigned) && assigned > 0 ? assigned : undefined,
      ...extra,
    },
  };
}

/** The queue page a form was sent from: only ever a queue address. */
const returnPath = (returnTo: unknown) => (typeof returnTo === "string" && /^\/staff(\?[^#\s]*)?$/.test(returnTo) ? returnTo : QUEUE_PATH);
const queryOf = (path: string) => Object.fromEntries(new URL(path, "http://queue.invalid").searchParams);

/** Back to the queue page the form was sent from, saying how many were assigned. */
function backToQueue(returnTo: unknown, assigned: number): string {
  const url = new URL(returnPath(returnTo), "http://queue.invalid");
  url.searchParams.delete("assigned");
  url.searchParams.set("assigned", String(assigned));
  return `${url.pathname}${url.search}`;
}

export const queueRoutes = [
  route({
    method: "get", path: QUEUE_PATH, who: staffAudience,
    // Admins keep the organization and review nothing: their home is the readiness checklist.
    elsewhere: ({ actor }) => (actor.role === "admin" ? staffHome(actor.role) : undefined),
    action: "viewQueue", on: orgOf, input: queueSchema,
    run: (call) => queuePage(call, call.input),
  }),
  route({
    method: "post", path: "/staff/requests/assign", who: staffAudience,
    // Tenant first, as on one request: a picked request of another organization is "not found" whoever asks.
    load: ({ ctx, actor, form }) => requestsOfOrg(ctx, actor.orgId, assignManySchema.shape.ids.safeParse(form.ids).data ?? []),
    action: "assignFromQueue", on: orgOf,
    input: assignManySchema,
    form: (call) => queuePage(call, queueSchema.parse(queryOf(returnPath(call.form.returnTo)))),
    run: async ({ ctx, actor, input, form }) => {
      const n = await assignRequests(ctx, actor, { ids: input.ids, assigneeId: input.assigneeId || null });
      return { redirect: backToQueue(form.returnTo, n) };
    },
  }),
];

export function mountQueueRoutes(router: Router, ctx: AppContext): void {
  mountRoutes(router, ctx, { routes: queueRoutes, ...staffPolicy.forRoutes });
}
