import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { reviewPolicy } from "./review-policy.js";
import { noStore } from "../platform/http/no-store.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { loadReview, releasePackage, reviewSummary, type ReviewContext } from "./package-review.js";
import { reviewReasons, saveReviewPage, viewReviewPage } from "./review-page.js";

const where = z.looseObject({
  c: z.coerce.number().int().min(0).max(100_000).default(0),
  p: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
type Where = z.infer<typeof where>;

const reviewOf = (rc: ReviewContext) => ({ kind: "packageReview" as const, orgId: rc.request.orgId });
const load = ({ ctx, actor, params }: Call<StaffActor>) => loadReview(ctx, actor.orgId, params.id!);
const reviewUrl = (rc: ReviewContext, w?: { c: number; p: number }) => `/staff/requests/${rc.request.id}/review${w ? `?c=${w.c}&p=${w.p}` : ""}`;

async function reviewPageAnswer(call: Call<StaffActor, unknown, ReviewContext>, w: { c: number; p: number }) {
  const rc = call.loaded;
  const page = await viewReviewPage(call.ctx, call.actor, rc, w, call.org.defaultLocale);
  return {
    view: "fulfilment/review",
    locals: {
      title: call.t("fulfilment.review.title", { reference: rc.request.reference }), staffArea: true,
      request: rc.request, review: rc.review, page, reasons: reviewReasons, conversations: rc.conversations,
      saved: call.query.saved === "1", formAction: reviewUrl(rc, w), releaseUrl: `${reviewUrl(rc)}/release`,
      pageUrl: (c: number, p: number) => reviewUrl(rc, { c, p }),
    },
  };
}

const whereOf = (form: Record<string, unknown>): { c: number; p: number } => {
  const parsed = where.safeParse(form);
  return parsed.success ? { c: parsed.data.c, p: parsed.data.p } : { c: 0, p: 0 };
};

/** The package review: page through the conversations, save each page's redactions, release. */
export const reviewRoutes = [
  route({
    method: "get", path: "/staff/requests/:id/review", who: staffAudience, load, action: "view", on: reviewOf,
    input: where,
    run: (call) => reviewPageAnswer(call, { c: call.input.c, p: call.input.p }),
  }),
  route({
    method: "post", path: "/staff/requests/:id/review", who: staffAudience, load, action: "redact", on: reviewOf,
    input: where,
    form: (call) => reviewPageAnswer(call, whereOf(call.form)),
    run: async (call) => {
      const w: Where = call.input;
      const saved = await saveReviewPage(call.ctx, call.actor, call.loaded, { c: w.c, p: w.p }, call.form, call.org.defaultLocale);
      return { redirect: saved.next ? `${reviewUrl(call.loaded, saved.next)}&saved=1` : `${reviewUrl(call.loaded)}/release?saved=1` };
    },
  }),
  route({
    method: "get", path: "/staff/requests/:id/review/release", who: staffAudience, load, action: "release", on: reviewOf,
    run: async ({ ctx, t, loaded: rc, query }) => ({
      view: "fulfilment/review-release",
      locals: {
        title: t("fulfilment.review.releaseTitle", { reference: rc.request.reference }), staffArea: true,
        request: rc.request, review: rc.review, summary: await reviewSummary(ctx.db, rc), saved: query.saved === "1", reviewUrl: reviewUrl(rc),
      },
    }),
  }),
  route({
    method: "post", path: "/staff/requests/:id/review/release", who: staffAudience, load, action: "release", on: reviewOf,
    run: async ({ ctx, actor, loaded: rc }) => {
      await releasePackage(ctx, actor, rc.request.id);
      return { redirect: `/staff/requests/${rc.request.id}?released=1#fulfilment` };
    },
  }),
];

/** The package review's pages (mounted in routers.ts). */
export function reviewRouter(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/requests/:id/review", noStore);
  mountRoutes(router, ctx, { routes: reviewRoutes, ...reviewPolicy.forRoutes });
  return router;
}
