import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route } from "../platform/http/route-table.js";
import { recordIdentityCheck } from "../requests/identity-check.js";
import { caseAddress, queueState } from "./case-nav.js";
import { casePage, loadRequest, requestResource as onRequest } from "./case-routes.js";
import { staffPolicy } from "./policies.js";

const field = z.string().optional().transform((s) => s ?? "");
const identityCheckSchema = z.object({ method: field });


/** The staff identity check on one request, in the route-table shape (a refusal is a case action: case-routes.ts). */
export const decisionRoutes = [
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
