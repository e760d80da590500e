import { Router } from "express";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { auditLog } from "../db/schema/index.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import { noStore } from "../platform/http/no-store.js";
import type { StaffActor } from "../platform/policy.js";
import { exportResearchExcerpts, RESEARCH_PURPOSE_MAX } from "./export-research.js";
import { reviewPolicy } from "./review-policy.js";

export const RESEARCH_PATH = "/staff/research";

const researchOf = (_: unknown, call: Call) => ({ kind: "research" as const, orgId: call.org.id });
const researchForm = z.object({ recipient: z.string().max(10_000).default(""), purpose: z.string().max(10_000).default("") });

/** Earlier disclosures, from the audit trail that records them. */
async function pastDisclosures(ctx: AppContext, orgId: string) {
  const rows = await ctx.db
    .select({ at: auditLog.at, details: auditLog.details })
    .from(auditLog)
    .where(and(eq(auditLog.orgId, orgId), eq(auditLog.action, "research.disclosed")))
    .orderBy(desc(auditLog.seq))
    .limit(50);
  return rows.map((r) => ({ at: r.at, recipient: String(r.details.recipient ?? ""), purpose: String(r.details.purpose ?? ""), conversations: Number(r.details.conversations ?? 0) }));
}

async function researchPage(call: Call<StaffActor>) {
  return { view: "fulfilment/research", locals: { title: call.t("fulfilment.research.title"), staffArea: true, disclosures: await pastDisclosures(call.ctx, call.org.id), limits: { purpose: RESEARCH_PURPOSE_MAX } } };
}

/** Research excerpts: the form, and the de-identified file it answers with. */
export const researchRoutes = [
  route({ method: "get", path: RESEARCH_PATH, who: staffAudience, action: "view", on: researchOf, run: (call) => researchPage(call) }),
  route({
    method: "post", path: RESEARCH_PATH, who: staffAudience, action: "export", on: researchOf, input: researchForm,
    form: (call) => researchPage(call),
    run: async ({ ctx, actor, org, input }) => {
      const file = await exportResearchExcerpts(ctx, actor, input, org.defaultLocale);
      return {
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Disposition": `attachment; filename="${file.fileName}"`,
          "X-Content-Type-Options": "nosniff",
        },
        send: (res) => void res.send(file.body),
      };
    },
  }),
];

export function researchRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(RESEARCH_PATH, noStore);
  mountRoutes(router, ctx, { routes: researchRoutes, ...reviewPolicy.forRoutes });
  return router;
}
