import { Router, type Request } from "express";
import type { AppContext } from "../context.js";
import type { StaffRole } from "../db/schema/index.js";
import { requireRequester, requesterOf } from "../identity/guards.js";
import { ValidationError } from "../platform/errors.js";
import { parseInput } from "../platform/http/validate.js";
import { requireStaff, staffActorOf } from "../staff/guards.js";
import { auditEntry } from "./audit-entry.js";
import { browseAudit, staffOptions } from "./browse-audit.js";
import { exportAudit } from "./export-audit.js";
import { filterQuery } from "./filters.js";
import { authorizeAudit } from "./policies.js";
import { auditFilterSchema, type AuditFilters } from "./schema.js";
import { whoHasSeenMyData } from "./who-has-seen.js";

/**
 * Every staff route of the audit views with the roles allowed (on their own organization); the
 * authorization test (test/audit/authorization.test.ts) walks this list.
 */
export interface AuditRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** Acts on one entry: another organization's (or a system-wide one) → 404. */
  onEntry?: boolean;
}
const DPO = ["dpo"] as const;
export const auditRoutes: readonly AuditRoute[] = [
  { method: "get", path: "/staff/audit", roles: DPO },
  { method: "get", path: "/staff/audit/export.ndjson", roles: DPO },
  { method: "get", path: "/staff/audit/entries/:seq", roles: DPO, onEntry: true },
];

/** The requester's page: who has seen my data. */
export const WHO_HAS_SEEN_PATH = "/my-data/who-has-seen";

export function auditRouter(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/audit", requireStaff());
  const logOf = (req: Request) => ({ kind: "auditLog" as const, orgId: req.org.id });

  router.get("/staff/audit", async (req, res) => {
    const actor = staffActorOf(req);
    authorizeAudit(actor, "browse", logOf(req));
    const staff = await staffOptions(ctx, actor.orgId);
    const base = { title: req.t("audit.list.title"), staffArea: true, staffMembers: staff, values: req.query };
    let filters: AuditFilters;
    try {
      filters = parseInput(auditFilterSchema, req.query);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return res.status(422).render("audit/list", { ...base, fieldErrors: err.fieldErrors, rows: [], nextUrl: undefined, firstUrl: undefined, exportUrl: undefined });
    }
    const { rows, next } = await browseAudit(ctx, actor, req.org.timeZone, filters);
    const query = filterQuery(filters);
    const withQuery = (path: string, extra?: string) => `${path}?${[query, extra].filter(Boolean).join("&")}`;
    res.render("audit/list", {
      ...base, rows, filters,
      nextUrl: next ? withQuery("/staff/audit", `before=${next}`) : undefined,
      firstUrl: filters.before ? withQuery("/staff/audit") : undefined,
      exportUrl: withQuery("/staff/audit/export.ndjson"),
    });
  });

  router.get("/staff/audit/export.ndjson", async (req, res) => {
    const actor = staffActorOf(req);
    authorizeAudit(actor, "export", logOf(req));
    const filters = parseInput(auditFilterSchema, req.query);
    const lines = await exportAudit(ctx, actor, req.org.timeZone, filters);
    const stamp = ctx.clock.now().toISOString().slice(0, 10);
    res.set({
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log-${stamp}.ndjson"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    for await (const chunk of lines) {
      // Respect back-pressure: a slow SIEM reader never makes the process buffer the whole log.
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  });

  router.get("/staff/audit/entries/:seq", async (req, res) => {
    const actor = staffActorOf(req);
    const entry = await auditEntry(ctx, String(req.params.seq));
    authorizeAudit(actor, "view", { kind: "auditEntry", orgId: entry.orgId });
    res.render("audit/entry", { title: req.t("audit.entry.title", { seq: entry.seq }), staffArea: true, entry });
  });

  router.get(WHO_HAS_SEEN_PATH, requireRequester(), async (req, res) => {
    const seen = await whoHasSeenMyData(ctx, req.org.id, requesterOf(req)!);
    res.set("Cache-Control", "no-store");
    res.render("audit/who-has-seen", { title: req.t("audit.seen.title"), ...seen, receiptOnly: !requesterOf(req)!.subjectId });
  });

  return router;
}
