/**
 * HTTP for complaints: the public "How to complain" page, the requester's complaint page for one
 * of their requests (complain to the DPO, record a complaint to the authority, get a dossier), and
 * the DPO's complaints queue. Routes parse, authorize, call a use case and render or redirect.
 */
import { Router } from "express";
import type { AppContext } from "../context.js";
import { openExportDownload } from "../exports/downloads.js";
import { sendDownload } from "../exports/send-download.js";
import { requesterAudience, staffAudience } from "../identity/audience.js";
import { requesterOfSession, type Requester } from "../identity/guards.js";
import { requireStaff } from "../identity/staff-session.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { mountRoutes, publicAudience, route, type Answer, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import type { RequestRow } from "../requests/change-status.js";
import { getMyRequest } from "../requests/requester-queries.js";
import { requestStatusView } from "../requests/status-view.js";
import { authorities, leadAuthority } from "../requests/authorities.js";
import { answerComplaint } from "./answer-complaint.js";
import { dossierExtension } from "./build-dossier.js";
import { complaintDetail, complaintQueue, dossierExports, requestComplaints, staffComplaint } from "./complaint-queries.js";
import { fileComplaint } from "./file-complaint.js";
import type { ComplaintRow } from "./notify.js";
import { complaintPolicy } from "./policies.js";
import { recordEscalation } from "./record-escalation.js";
import { reopenRouter } from "./reopen-routes.js";
import { requestDossier } from "./request-dossier.js";
import { answerSchema, COMPLAINT_MAX, staffComplaintLimits, escalationSchema, fileComplaintSchema, staffQueueSchema } from "./schema.js";

// ---------------------------------------------------------------------------------- requester

const complaintPageUrl = (reference: string, anchor = "") => `/requests/${encodeURIComponent(reference)}/complaint${anchor}`;

/** Every authority with its country's name in the reader's language, sorted by that name. */
function directory(locale: string) {
  const names = new Intl.DisplayNames([locale, "en"], { type: "region" });
  return authorities
    .map((a) => ({ ...a, countryName: names.of(a.country) ?? a.country }))
    .sort((a, b) => a.countryName.localeCompare(b.countryName, locale));
}

type MyRequestCall = Call<Requester, unknown, RequestRow>;
/** The requester's own request named in the address; anyone else's (or none) is "not found". */
const loadMyRequest = ({ ctx, org, actor, params }: Call<Requester>) => getMyRequest(ctx, org.id, actor, String(params.reference));

/** The complaint page of one of the requester's requests; also shown again, with the errors, after a refused form. */
async function complaintPage({ ctx, org, t, query, loaded: row }: MyRequestCall): Promise<Answer> {
  const request = requestStatusView(row, org, ctx.clock.now());
  const [complaints, dossiers] = await Promise.all([requestComplaints(ctx, org, row.id), dossierExports(ctx, org.id, row.id)]);
  const latest = complaints.at(-1);
  return {
    view: "complaints/request",
    locals: {
      title: t("complaints.request.title", { reference: row.reference }),
      request, complaints, maxLength: COMPLAINT_MAX, limits: { body: COMPLAINT_MAX },
      canFile: request.complaintPaths.grounds.length > 0 && latest?.status !== "open",
      canEscalate: latest?.status !== "escalated" && (latest !== undefined || request.complaintPaths.grounds.length > 0),
      escalated: latest?.status === "escalated" ? latest : null,
      dossiers: dossiers.map((d) => ({ ...d, format: dossierExtension(d), href: `/requests/${encodeURIComponent(row.reference)}/dossier/${encodeURIComponent(d.id)}` })),
      dossierPending: dossiers.some((d) => d.status === "pending" || d.status === "building"),
      sent: typeof query.sent === "string" ? query.sent : null,
    },
  };
}

/** The public page and the requester's pages. */
function requesterRoutes(ctx: AppContext) {
  const perRequester = limiter(ctx, { name: "complaints-post", windowMs: 60 * 60_000, limit: 20, key: (req) => req.session?.idHash ?? clientIp(req) });
  const onMyRequest = { who: requesterAudience, load: loadMyRequest, form: complaintPage } as const;
  const myRequestOf = ({ org, loaded }: MyRequestCall) => ({ org, reference: loaded.reference });
  return [
    route({
      method: "get", path: "/how-to-complain", who: publicAudience,
      run: ({ org, locale, t, query, session }) => {
        const all = directory(locale);
        // ?country=XX (the country choice) shows that one authority first; an unknown code shows none.
        const asked = typeof query.country === "string" ? query.country.toUpperCase() : "";
        return {
          view: "complaints/how-to-complain",
          locals: {
            title: t("complaints.howTo.title"), authority: leadAuthority(org.authorityCountry), directory: all,
            chosen: all.find((a) => a.country === asked), signedIn: requesterOfSession(session) !== undefined,
          },
        };
      },
    }),
    route({ method: "get", path: "/requests/:reference/complaint", ...onMyRequest, run: complaintPage }),
    route({
      method: "post", path: "/requests/:reference/complaints", ...onMyRequest, limits: [perRequester], input: fileComplaintSchema,
      run: async (call) => {
        await fileComplaint(call.ctx, call.actor, { ...myRequestOf(call), ...call.input });
        return { redirect: complaintPageUrl(call.loaded.reference, "?sent=complaint#complaints") };
      },
    }),
    route({
      method: "post", path: "/requests/:reference/escalation", ...onMyRequest, limits: [perRequester], input: escalationSchema,
      run: async (call) => {
        await recordEscalation(call.ctx, call.actor, myRequestOf(call));
        return { redirect: complaintPageUrl(call.loaded.reference, "?sent=escalation#authority") };
      },
    }),
    route({
      method: "post", path: "/requests/:reference/dossier", ...onMyRequest, limits: [perRequester],
      run: async (call) => {
        await requestDossier(call.ctx, call.actor, myRequestOf(call));
        return { redirect: complaintPageUrl(call.loaded.reference, "?sent=dossier#dossier") };
      },
    }),
    route({
      method: "get", path: "/requests/:reference/dossier/:exportId", who: requesterAudience,
      run: async ({ ctx, org, actor, params, ip, t, method }) => {
        const reference = String(params.reference);
        const outcome = await openExportDownload(ctx, {
          orgId: org.id, requester: actor, reference, exportId: String(params.exportId), ip, kinds: ["dossier"], headOnly: method === "HEAD",
        });
        if (!outcome.ok) {
          return {
            view: "exports/unavailable", status: outcome.reason === "not_ready" ? 409 : 410,
            locals: { title: t("exports.download.unavailableTitle"), message: t(`exports.download.${outcome.reason}`, { max: outcome.row.maxDownloads }), reference },
          };
        }
        const contentType = dossierExtension(outcome.row) === "zip" ? "application/zip" : "application/pdf";
        return { send: (res) => sendDownload(res, outcome.file, { ...outcome, contentType }) };
      },
    }),
  ];
}

export function complaintsRequesterRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: requesterRoutes(ctx) });
  return router;
}

// -------------------------------------------------------------------------------------- staff

/** Every staff route of complaints with the roles allowed; test/complaints/authorization.test.ts walks it. */
const complaintsOf = (_: unknown, call: Call) => ({ kind: "complaints" as const, orgId: call.org.id });
const complaintResource = (c: ComplaintRow) => ({ kind: "complaint" as const, orgId: c.orgId, answered: c.answeredAt !== null });
const loadComplaint = ({ ctx, actor, params }: Call<StaffActor>) => staffComplaint(ctx, actor.orgId, String(params.id));

/** One complaint as the DPO sees it; also shown again, with the errors, after a refused answer. */
async function staffComplaintPage({ ctx, org, t, loaded }: Call<StaffActor, unknown, ComplaintRow>): Promise<Answer> {
  const detail = await complaintDetail(ctx, org, loaded);
  return {
    view: "complaints/staff-show",
    locals: { title: t("complaints.staff.showTitle", { reference: loaded.reference }), staffArea: true, ...detail, authority: leadAuthority(org.authorityCountry), limits: staffComplaintLimits },
  };
}

export const complaintStaffTable = [
  route({
    method: "get", path: "/staff/complaints", who: staffAudience, action: "viewQueue", on: complaintsOf, input: staffQueueSchema,
    run: async ({ ctx, org, t, input }) => {
      const filter = input.status ?? "unanswered";
      return { view: "complaints/staff-queue", locals: { title: t("complaints.staff.queueTitle"), staffArea: true, rows: await complaintQueue(ctx, org, filter), filter } };
    },
  }),
  route({ method: "get", path: "/staff/complaints/:id", who: staffAudience, load: loadComplaint, action: "view", on: complaintResource, run: staffComplaintPage }),
  route({
    method: "post", path: "/staff/complaints/:id/answer", who: staffAudience, load: loadComplaint, action: "answer", on: complaintResource,
    input: answerSchema, form: staffComplaintPage,
    run: async ({ ctx, actor, org, input, loaded }) => {
      await answerComplaint(ctx, actor, { org, complaintId: loaded.id, answer: input.answer });
      return { redirect: `/staff/complaints/${loaded.id}` };
    },
  }),
];

export function complaintsStaffRouter(ctx: AppContext): Router {
  const router = Router();
  // Any other address under /staff/complaints is for signed-in staff too (a guessed one is "not found" only to them).
  router.use("/staff/complaints", requireStaff());
  mountRoutes(router, ctx, { routes: complaintStaffTable, ...complaintPolicy.forRoutes });
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

