import { Router } from "express";
import type { AppContext } from "../context.js";
import { staffAudience, staffAudienceReauthTo } from "../identity/audience.js";
import { requireStaff } from "../identity/staff-session.js";
import { NotFoundError } from "../platform/errors.js";
import { mountRoutes, route, type Answer, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { applyRetentionPreset } from "./apply-preset.js";
import { categoryRules, isRetentionCategory, type RetentionCategory } from "./categories.js";
import { retentionOverview } from "./list-policies.js";
import { canRetention, retentionPolicy } from "./policies.js";
import { presetIds, retentionPresets, type PresetId } from "./presets.js";
import { removeRetentionPolicy } from "./remove-policy.js";
import { runRetention } from "./run-retention.js";
import { policyFormSchema, presetFormSchema } from "./schema.js";
import { updateRetentionPolicy } from "./update-policy.js";

const PAGE = "/staff/retention";

function categoryParam({ params }: Call): RetentionCategory {
  const c = String(params.category ?? "");
  if (!isRetentionCategory(c)) throw new NotFoundError("category");
  return c;
}

const retentionOf = (_: unknown, call: Call) => ({ kind: "retention" as const, orgId: call.org.id });
/** Admins' changes: with a stale password check, confirm it and come back to the page (the form is not kept). */
const editors = staffAudienceReauthTo(() => PAGE);

/** The page; shown again after a refused form, naming the form that failed. */
const retentionPage = (failedCategory: (call: Call) => string | null) => async (call: Call<StaffActor>): Promise<Answer> => ({
  view: "retention/index",
  locals: {
    title: call.t("retention.page.title"), staffArea: true, ...(await retentionOverview(call.ctx, call.actor.orgId)), categoryRules, presetIds, retentionPresets,
    canEdit: canRetention(call.actor, "edit", retentionOf(undefined, call)), failedCategory: failedCategory(call), values: {},
  },
});
const categoryOf = (call: Call) => String(call.params.category);
const backToPolicies: Answer = { redirect: `${PAGE}#policies` };

/** An admin change: authorized, password fresh, then back to the page; field keys carry the form's name so the error summary links to the right input. */
const change = { who: editors, action: "edit", on: retentionOf, reauth: true } as const;

export const retentionTable = [
  route({ method: "get", path: PAGE, who: staffAudience, action: "view", on: retentionOf, run: retentionPage(() => null) }),
  route({
    method: "post", path: `${PAGE}/preview`, who: staffAudience, action: "preview", on: retentionOf,
    run: async ({ ctx, org }) => { await runRetention(ctx, { dryRun: true, orgId: org.id }); return { redirect: `${PAGE}#runs` }; },
  }),
  route({
    method: "post", path: `${PAGE}/preset`, ...change, input: presetFormSchema, form: retentionPage(() => "preset"), fieldPrefix: () => "preset",
    run: async ({ ctx, actor, input }) => { await applyRetentionPreset(ctx, actor, input.preset as PresetId); return backToPolicies; },
  }),
  route({
    method: "post", path: `${PAGE}/policies/:category`, ...change, input: policyFormSchema, form: retentionPage(categoryOf), fieldPrefix: categoryOf,
    run: async (call) => { await updateRetentionPolicy(call.ctx, call.actor, categoryParam(call), call.input); return backToPolicies; },
  }),
  route({
    method: "post", path: `${PAGE}/policies/:category/remove`, ...change, form: retentionPage(categoryOf), fieldPrefix: categoryOf,
    run: async (call) => { await removeRetentionPolicy(call.ctx, call.actor, categoryParam(call)); return backToPolicies; },
  }),
];

export function retentionRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(PAGE, requireStaff());
  mountRoutes(router, ctx, { routes: retentionTable, ...retentionPolicy.forRoutes });
  return router;
}
