/**
 * HTTP for complaints: the public "How to complain" page, the requester's complaint page for one
 * of their requests (complain to the DPO, record a complaint to the authority, get a dossier), and
 * the DPO's complaints queue. Routes parse, authorize, call a use case and render or redirect.
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import type { StaffRole } from "../db/schema/index.js";
import { openExportDownload } from "../exports/downloads.js";
import { sendDownload } from "../exports/send-download.js";
import { requireRequester, requesterOf, type Requester } from "../identity/guards.js";
import { UnauthenticatedError, ValidationError } from "../platform/errors.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { getMyRequest } from "../requests/requester-queries.js";
import { requestStatusView } from "../requests/status-view.js";
import { requireStaff, staffActorOf } from "../identity/staff-session.js";
import { answerComplaint } from "./answer-complaint.js";
import { authorities, leadAuthority } from "../requests/authorities.js";
import { dossierExtension } from "./build-dossier.js";
import { complaintDetail, complaintQueue, dossierExports, requestComplaints, staffComplaint } from "./complaint-queries.js";
import { fileComplaint } from "./file-complaint.js";
import { authorizeComplaint } from "./policies.js";
import { recordEscalation } from "./record-escalation.js";
import { reopenRouter } from "./reopen-routes.js";
import { requestDossier } from "./request-dossier.js";
import { COMPLAINT_MAX, staffQueueSchema } from "./schema.js";

// ---------------------------------------------------------------------------------- requester

const me = (req: Request): Requester => {
  const requester = requesterOf(req);
  if (!requester) throw new UnauthenticatedError();
  return requester;
};
const ref = (req: Request) => String(req.params.reference);
const complaintPage = (reference: string, anchor = "") => `/requests/${encodeURIComponent(reference)}/complaint${anchor}`;

/** Every authority with its country's name in the reader's language, sorted by that name. */
function directory(locale: string) {
  const names = new Intl.DisplayNames([locale, "en"], { type: "region" });
  return authorities
    .map((a) => ({ ...a, countryName: names.of(a.country) ?? a.country }))
    .sort((a, b) => a.countryName.localeCompare(b.countryName, locale));
}

async function renderComplaintPage(ctx: AppContext, req: Request, res: Response, extra: Record<string, unknown> = {}): Promise<void> {
  const row = await getMyRequest(ctx, req.org.id, me(req), ref(req));
  const request = requestStatusView(row, req.org, ctx.clock.now());
  const [complaints, dossiers] = await Promise.all([requestComplaints(ctx, req.org, row.id), dossierExports(ctx, req.org.id, row.id)]);
  const latest = complaints.at(-1);
  res.render("complaints/request", {
    title: req.t("complaints.request.title", { reference: row.reference }),
    request, complaints, maxLength: COMPLAINT_MAX,
    canFile: request.complaintPaths.grounds.length > 0 && latest?.status !== "open",
    canEscalate: latest?.status !== "escalated" && (latest !== undefined || request.complaintPaths.grounds.length > 0),
    escalated: latest?.status === "escalated" ? latest : null,
    dossiers: dossiers.map((d) => ({ ...d, format: dossierExtension(d), href: `/requests/${encodeURIComponent(row.reference)}/dossier/${encodeURIComponent(d.id)}` })),
    dossierPending: dossiers.some((d) => d.status === "pending" || d.status === "building"),
    sent: typeof req.query.sent === "string" ? req.query.sent : null,
    ...extra,
  });
}

/** The public page and the requester's pages. */
export function complaintsRequesterRouter(ctx: AppContext): Router {
  const router = Router();
  const perRequester = limiter(ctx, { name: "complaints-post", windowMs: 60 * 60_000, limit: 20, key: (req) => req.session?.idHash ?? clientIp(req) });

  router.get("/how-to-complain", (req, res) => {
    const all = directory(req.locale);
    // ?country=XX (the country choice) shows that one authority first; an unknown code shows none.
    const asked = typeof req.query.country === "string" ? req.query.country.toUpperCase() : "";
    res.render("complaints/how-to-complain", {
      title: req.t("complaints.howTo.title"),
      authority: leadAuthority(req.org.authorityCountry),
      directory: all,
      chosen: all.find((a) => a.country === asked),
      signedIn: requesterOf(req) !== undefined,
    });
  });

  router.get("/requests/:reference/complaint", requireRequester(), (req, res) => renderComplaintPage(ctx, req, res));

  /** Runs a requester POST; a validation error re-renders the complaint page with the errors beside the fields. */
  const post = (run: (req: Request) => Promise<string>) => async (req: Request, res: Response) => {
    try {
      res.redirect(303, await run(req));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      await renderComplaintPage(ctx, req, res, { fieldErrors: err.fieldErrors, values: req.body ?? {} });
    }
  };

  router.post("/requests/:reference/complaints", requireRequester(), perRequester, post(async (req) => {
    await fileComplaint(ctx, req.org, me(req), ref(req), req.body);
    return complaintPage(ref(req), "?sent=complaint#complaints");
  }));
  router.post("/requests/:reference/escalation", requireRequester(), perRequester, post(async (req) => {
    await recordEscalation(ctx, req.org, me(req), ref(req), req.body);
    return complaintPage(ref(req), "?sent=escalation#authority");
  }));
  router.post("/requests/:reference/dossier", requireRequester(), perRequester, post(async (req) => {
    await requestDossier(ctx, req.org, me(req), ref(req));
    return complaintPage(ref(req), "?sent=dossier#dossier");
  }));

  router.get("/requests/:reference/dossier/:exportId", requireRequester(), async (req, res) => {
    const outcome = await openExportDownload(ctx, {
      orgId: req.org.id, requester: me(req), reference: ref(req), exportId: String(req.params.exportId), ip: clientIp(req),
      kinds: ["dossier"], headOnly: req.method === "HEAD",
    });
    if (!outcome.ok) {
      res.status(outcome.reason === "not_ready" ? 409 : 410).render("exports/unavailable", {
        title: req.t("exports.download.unavailableTitle"), message: req.t(`exports.download.${outcome.reason}`, { max: outcome.row.maxDownloads }), reference: ref(req),
      });
      return;
    }
    await sendDownload(res, outcome.file, { ...outcome, contentType: dossierExtension(outcome.row) === "zip" ? "application/zip" : "application/pdf" });
  });

  return router;
}

// -------------------------------------------------------------------------------------- staff

/** Every staff route of complaints with the roles allowed; test/complaints/authorization.test.ts walks it. */
export interface ComplaintStaffRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** Acts on one complaint: another organization's is "not found". */
  onComplaint?: boolean;
}
export const complaintStaffRoutes: readonly ComplaintStaffRoute[] = [
  { method: "get", path: "/staff/complaints", roles: ["dpo"] },
  { method: "get", path: "/staff/complaints/:id", roles: ["dpo"], onComplaint: true },
  { method: "post", path: "/staff/complaints/:id/answer", roles: ["dpo"], onComplaint: true },
];

export function complaintsStaffRouter(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/complaints", requireStaff());

  router.get("/staff/complaints", async (req, res) => {
    const actor = staffActorOf(req);
    authorizeComplaint(actor, "viewQueue", { kind: "complaints", orgId: req.org.id });
    const filter = staffQueueSchema.parse(req.query).status ?? "unanswered";
    res.render("complaints/staff-queue", { title: req.t("complaints.staff.queueTitle"), staffArea: true, rows: await complaintQueue(ctx, req.org, filter), filter });
  });

  async function renderDetail(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const actor = staffActorOf(req);
    const complaint = await staffComplaint(ctx, actor.orgId, String(req.params.id));
    authorizeComplaint(actor, "view", { kind: "complaint", orgId: complaint.orgId, answered: complaint.answeredAt !== null });
    const detail = await complaintDetail(ctx, req.org, complaint);
    res.render("complaints/staff-show", { title: req.t("complaints.staff.showTitle", { reference: complaint.reference }), staffArea: true, ...detail, authority: leadAuthority(req.org.authorityCountry), ...extra });
  }
  router.get("/staff/complaints/:id", (req, res) => renderDetail(req, res));

  router.post("/staff/complaints/:id/answer", async (req, res) => {
    const actor = staffActorOf(req);
    const complaint = await staffComplaint(ctx, actor.orgId, String(req.params.id));
    authorizeComplaint(actor, "answer", { kind: "complaint", orgId: complaint.orgId, answered: complaint.answeredAt !== null });
    try {
      await answerComplaint(ctx, actor, req.org, complaint.id, req.body);
      res.redirect(303, `/staff/complaints/${complaint.id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      await renderDetail(req, res, { fieldErrors: err.fieldErrors, values: req.body ?? {} });
    }
  });

  return router;
}

/** Both, for src/routers.ts (one line). */
export function complaintsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(complaintsRequesterRouter(ctx));
  router.use(complaintsStaffRouter(ctx));
  router.use(reopenRouter(ctx));
  return router;
}

