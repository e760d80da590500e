import { Router } from "express";
import type { AppContext } from "../context.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { retentionPolicy } from "./policies.js";
import { presetDiff, type PresetId } from "./presets.js";
import { presetFormSchema } from "./schema.js";

const retentionOf = (_: unknown, call: Call) => ({ kind: "retention" as const, orgId: call.org.id });

/** Before a preset is applied: what it changes, category by category, and a form to apply it. */
export const presetRoutes = [
  route({
    method: "post", path: "/staff/retention/preset/preview", who: staffAudience, action: "edit", on: retentionOf,
    input: presetFormSchema,
    form: () => ({ redirect: "/staff/retention#presets" }),
    run: async ({ ctx, actor, t, input }: Call<StaffActor, { preset: string }>) => {
      const preset = input.preset as PresetId;
      return {
        view: "retention/preset-diff",
        locals: { title: t("retention.diff.title", { name: t(`retention.presets.${preset}.name`) }), staffArea: true, preset, rows: await presetDiff(ctx.db, actor.orgId, preset) },
      };
    },
  }),
];

export function presetRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: presetRoutes, ...retentionPolicy.forRoutes });
  return router;
}
