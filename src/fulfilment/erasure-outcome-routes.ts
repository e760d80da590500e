import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { ERASED_PATH } from "../identity/erasure-outcome-link.js";
import { NotFoundError } from "../platform/errors.js";
import { mountRoutes, publicAudience, route } from "../platform/http/route-table.js";
import { erasureOutcome } from "./erasure-outcome.js";

/** A request reference as newReference() makes them (e.g. RD-7K3Q-M9XA); anything else is not a page. */
const REFERENCE = /^[A-Z]{2,8}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** Private even without a sign-in; the link's signature must not travel on in a Referer either. */
const privateHeaders = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

export const erasureOutcomeRoutes = [
  route({
    method: "get", path: `${ERASED_PATH}/:reference`, who: publicAudience, input: z.object({ s: z.string().max(64).optional() }),
    run: async (call) => {
      const reference = String(call.params.reference ?? "");
      if (!REFERENCE.test(reference)) throw new NotFoundError("request");
      const outcome = await erasureOutcome(call.ctx, call.org, reference, call.input.s);
      // Without a valid signature the page is the same whether or not the reference exists.
      return { view: "fulfilment/erased", locals: { title: call.t("fulfilment.erasedOutcome.title"), reference, outcome: outcome ?? null }, headers: privateHeaders };
    },
  }),
];

/** The outcome page of an erasure, reached from the completion mail or a receipt-code sign-in. */
export function erasureOutcomeRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: erasureOutcomeRoutes });
  return router;
}
