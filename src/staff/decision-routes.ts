import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route } from "../platform/http/route-table.js";
import { recordIdentityCheck } from "../requests/identity-check.js";
import { checkRefusal } from "./reject-request.js";
import { caseAddress, queueState } from "./case-nav.js";
import { casePage, loadRequest, refusalSchema, requestResource as onRequest } from "./case-routes.js";
import { staffPolicy } from "./policies.js";

const field = z.string().optional().transform((s) => s ?? "");
const identityCheckSchema = z.object({ method: field });


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
