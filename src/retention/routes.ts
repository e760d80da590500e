import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import type { StaffRole } from "../db/schema/index.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { parseInput } from "../platform/http/validate.js";
import { recentlyAuthenticated, requireStaff, staffActorOf } from "../identity/staff-session.js";
import { applyRetentionPreset } from "./apply-preset.js";
import { categoryRules, isRetentionCategory, type RetentionCategory } from "./categories.js";
import { retentionOverview } from "./list-policies.js";
import { authorizeRetention, canRetention } from "./policies.js";
import { presetIds, retentionPresets, type PresetId } from "./presets.js";
import { removeRetentionPolicy } from "./remove-policy.js";
import { runRetention } from "./run-retention.js";
import { policyFormSchema, presetFormSchema } from "./schema.js";
import { updateRetentionPolicy } from "./update-policy.js";

/**
 * Every route of the retention screen with the roles allowed (on their own organization); the
 * authorization test (test/retention/authorization.test.ts) walks this list.
 */
export interface RetentionRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** Changes what the next sweep deletes: asks for the password again first. */
  reauth?: boolean;
}
const OVERSIGHT = ["dpo", "admin"] as const;
const ADMIN = ["admin"] as const;
export const retentionRoutes: readonly RetentionRoute[] = [
  { method: "get", path: "/staff/retention", roles: OVERSIGHT },
  { method: "post", path: "/staff/retention/preview", roles: OVERSIGHT },
  { method: "post", path: "/staff/retention/preset", roles: ADMIN, reauth: true },
  { method: "post", path: "/staff/retention/policies/:category", roles: ADMIN, reauth: true },
  { method: "post", path: "/staff/retention/policies/:category/remove", roles: ADMIN, reauth: true },
];

const PAGE = "/staff/retention";

function categoryParam(req: Request): RetentionCategory {
  const c = String(req.params.category ?? "");
  if (!isRetentionCategory(c)) throw new NotFoundError("category");
  return c;
}

export function retentionRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(PAGE, requireStaff());
  const resource = (req: Request) => ({ kind: "retention" as const, orgId: req.org.id });

  async function renderPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const actor = staffActorOf(req);
    const overview = await retentionOverview(ctx, actor.orgId);
    res.render("retention/index", {
      title: req.t("retention.page.title"), staffArea: true, ...overview, categoryRules, presetIds, retentionPresets,
      canEdit: canRetention(actor, "edit", resource(req)), failedCategory: null, values: {}, ...extra,
    });
  }

  router.get(PAGE, async (req, res) => {
    authorizeRetention(staffActorOf(req), "view", resource(req));
    await renderPage(req, res);
  });

  router.post(`${PAGE}/preview`, async (req, res) => {
    authorizeRetention(staffActorOf(req), "preview", resource(req));
    await runRetention(ctx, { dryRun: true, orgId: req.org.id });
    res.redirect(303, `${PAGE}#runs`);
  });

  /** An admin change: authorize, ask for the password again if it is not fresh, run, back to the page. */
  const edit = (path: string, run: (req: Request) => Promise<unknown>, failedCategory: (req: Request) => string) =>
    router.post(path, async (req, res) => {
      const actor = staffActorOf(req);
      authorizeRetention(actor, "edit", resource(req));
      if (!recentlyAuthenticated(ctx, req.session)) return res.redirect(303, `/staff/reauth?next=${encodeURIComponent(PAGE)}`);
      try {
        await run(req);
        res.redirect(303, `${PAGE}#policies`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const category = failedCategory(req);
        // Field keys carry the form's name, so the error summary links to the right input.
        const fieldErrors = Object.fromEntries(Object.entries(err.fieldErrors).map(([k, v]) => [`${category}-${k}`, v]));
        res.status(422);
        await renderPage(req, res, { fieldErrors, failedCategory: category, values: req.body ?? {} });
      }
    });

  edit(`${PAGE}/preset`, async (req) => {
    const { preset } = parseInput(presetFormSchema, req.body);
    await applyRetentionPreset(ctx, staffActorOf(req), preset as PresetId);
  }, () => "preset");

  edit(`${PAGE}/policies/:category`, async (req) => {
    const category = categoryParam(req);
    await updateRetentionPolicy(ctx, staffActorOf(req), category, parseInput(policyFormSchema, req.body));
  }, (req) => String(req.params.category));

  edit(`${PAGE}/policies/:category/remove`, (req) => removeRetentionPolicy(ctx, staffActorOf(req), categoryParam(req)), (req) => String(req.params.category));

  return router;
}
