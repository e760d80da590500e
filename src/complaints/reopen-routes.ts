import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { staffAudience } from "../identity/audience.js";
import { leadAuthority } from "../requests/authorities.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { complaintDetail, staffComplaint } from "./complaint-queries.js";
import { complaintPolicy } from "./policies.js";
import { reopenDecision } from "./reopen-decision.js";
import { staffComplaintLimits } from "./schema.js";
import type { ComplaintRow } from "./notify.js";

const reopenSchema = z.object({ reason: z.string().optional().transform((s) => s ?? "") });

/** The DPO's complaint page, for a reopen form sent back with its errors. */
async function complaintPage(call: Call<StaffActor, unknown, ComplaintRow>) {
  const detail = await complaintDetail(call.ctx, call.org, call.loaded);
  return {
    view: "complaints/staff-show",
    locals: { title: call.t("complaints.staff.showTitle", { reference: call.loaded.reference }), staffArea: true, ...detail, authority: leadAuthority(call.org.authorityCountry), failedAction: "reopen", limits: staffComplaintLimits },
  };
}

/** Reopening a request's decision from a complaint, in the route-table shape. */
export const reopenRoutes = [
  route({
    method: "post", path: "/staff/complaints/:id/reopen", who: staffAudience,
    load: ({ ctx, actor, params }: Call<StaffActor>) => staffComplaint(ctx, actor.orgId, params.id!),
    action: "reopen", on: (c: ComplaintRow) => ({ kind: "complaint" as const, orgId: c.orgId, answered: c.answeredAt !== null }),
    input: reopenSchema, form: complaintPage, reauth: true,
    run: async ({ ctx, actor, org, input, loaded }) => {
      const request = await reopenDecision(ctx, actor, { org, complaintId: loaded.id, reason: input.reason });
      return { redirect: `/staff/requests/${request.id}` };
    },
  }),
];

export function reopenRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: reopenRoutes, ...complaintPolicy.forRoutes });
  return router;
}
