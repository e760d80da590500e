import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { staffRequest } from "../requests/request-by-id.js";
import type { RequestRow } from "../requests/change-status.js";
import { recordIdentityCheck } from "../requests/identity-check.js";
import { checkRefusal } from "./reject-request.js";
import { detailPageLocals } from "./detail-page.js";
import { caseAddress, caseNavigation, queueState } from "./case-nav.js";
import { staffPolicy } from "./policies.js";

const field = z.string().optional().transform((s) => s ?? "");
const refusalSchema = z.object({ legalGround: field, reason: field, message: field, law: field });
const identityCheckSchema = z.object({ method: field });

const loadRequest = ({ ctx, actor, params }: Call<StaffActor>) => staffRequest(ctx, actor.orgId, params.id!);
const onRequest = (r: RequestRow) => ({ kind: "request" as const, orgId: r.orgId, type: r.type, erasureApprovedBy: r.erasureApprovedBy });

/** The case page again, the failed form's fields kept and its errors beside them. */
const casePage = (failedAction: string) => async (call: Call<StaffActor, unknown, RequestRow>) => ({
  view: "staff/show",
  locals: await detailPageLocals(call, call.loaded, { ...caseNavigation({ queue: call.form.queue }), failedAction, values: call.form }),
});

/**
 * Decisions on one request in the route-table shape: the refusal previewed exactly as the
 * requester will read it (then sent from the preview's own form), and the staff identity check.
 */
export const decisionRoutes = [
  route({
    method: "post", path: "/staff/requests/:id/reject/preview", who: staffAudience,
    load: loadRequest, action: "reject", on: onRequest, input: refusalSchema, form: casePage("reject"),
    run: ({ org, t, input, loaded, form }) => {
      const refusal = checkRefusal(loaded, org, input);
      return {
        view: "staff/reject-preview",
        locals: { title: t("staff.preview.title", { reference: loaded.reference }), staffArea: true, request: loaded, refusal, values: input, queue: queueState(form.queue) },
      };
    },
  }),
  route({
    method: "post", path: "/staff/requests/:id/identity-check", who: staffAudience,
    load: loadRequest, action: "checkIdentity", on: onRequest, input: identityCheckSchema, form: casePage("checkIdentity"),
    run: async ({ ctx, actor, input, loaded, form }) => {
      await recordIdentityCheck(ctx, actor, loaded.orgId, loaded.id, input.method);
      return { redirect: caseAddress(loaded.id, "identityChecked", queueState(form.queue), "#identity") };
    },
  }),
];

export function decisionRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: decisionRoutes, ...staffPolicy.forRoutes });
  return router;
}
