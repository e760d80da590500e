import { Router } from "express";
import type { AppContext } from "../context.js";
import { requesterAudience, staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { auditEntry } from "./audit-entry.js";
import { browseAudit, staffOptions } from "./browse-audit.js";
import { exportAudit } from "./export-audit.js";
import { filterQuery } from "./filters.js";
import { auditPolicy } from "./policies.js";
import { auditFilterSchema, type AuditFilters } from "./schema.js";
import { whoHasSeenMyData } from "./who-has-seen.js";

/** The requester's page: who has seen my data. */
export const WHO_HAS_SEEN_PATH = "/my-data/who-has-seen";

const auditLogOf = (_: unknown, call: Call) => ({ kind: "auditLog" as const, orgId: call.org.id });

/** The list with its filter form; shown again with the filters' errors when they are wrong. */
async function listPage(call: Call<StaffActor>, found?: { filters: AuditFilters; rows: Awaited<ReturnType<typeof browseAudit>>["rows"]; next?: number | string }) {
  const base = { title: call.t("audit.list.title"), staffArea: true, staffMembers: await staffOptions(call.ctx, call.actor.orgId), values: call.query };
  if (!found) return { view: "audit/list", locals: { ...base, rows: [], nextUrl: undefined, firstUrl: undefined, exportUrl: undefined } };
  const query = filterQuery(found.filters);
  const withQuery = (path: string, extra?: string) => `${path}?${[query, extra].filter(Boolean).join("&")}`;
  return {
    view: "audit/list",
    locals: {
      ...base, rows: found.rows, filters: found.filters,
      nextUrl: found.next ? withQuery("/staff/audit", `before=${found.next}`) : undefined,
      firstUrl: found.filters.before ? withQuery("/staff/audit") : undefined,
      exportUrl: withQuery("/staff/audit/export.ndjson"),
    },
  };
}

/** The DPO's audit log (browse, export, one entry) and the requester's "who has seen my data". */
export const auditRoutes = [
  route({
    method: "get", path: "/staff/audit", who: staffAudience, action: "browse", on: auditLogOf,
    input: auditFilterSchema, form: (call) => listPage(call),
    run: async (call) => {
      const { rows, next } = await browseAudit(call.ctx, call.actor, call.org.timeZone, call.input);
      return listPage(call, { filters: call.input, rows, next });
    },
  }),
  route({
    method: "get", path: "/staff/audit/export.ndjson", who: staffAudience, action: "export", on: auditLogOf,
    input: auditFilterSchema,
    run: async ({ ctx, actor, org, input }) => {
      const lines = await exportAudit(ctx, actor, org.timeZone, input);
      const stamp = ctx.clock.now().toISOString().slice(0, 10);
      return {
        headers: {
          "Content-Type": "application/x-ndjson; charset=utf-8",
          "Content-Disposition": `attachment; filename="audit-log-${stamp}.ndjson"`,
          "X-Content-Type-Options": "nosniff",
        },
        send: async (res) => {
          for await (const chunk of lines) {
            // Respect back-pressure: a slow SIEM reader never makes the process buffer the whole log.
            if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
          }
          res.end();
        },
      };
    },
  }),
  route({
    method: "get", path: "/staff/audit/entries/:seq", who: staffAudience,
    load: ({ ctx, params }) => auditEntry(ctx, params.seq!),
    action: "view", on: (entry) => ({ kind: "auditEntry" as const, orgId: entry.orgId }),
    run: ({ t, loaded: entry }) => ({ view: "audit/entry", locals: { title: t("audit.entry.title", { seq: entry.seq }), staffArea: true, entry } }),
  }),
  route({
    method: "get", path: WHO_HAS_SEEN_PATH, who: requesterAudience,
    run: async ({ ctx, org, actor, t }) => ({
      view: "audit/who-has-seen",
      locals: { title: t("audit.seen.title"), ...(await whoHasSeenMyData(ctx, org.id, actor)), receiptOnly: !actor.subjectId },
    }),
  }),
];

export function auditRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: auditRoutes, ...auditPolicy.forRoutes });
  return router;
}
