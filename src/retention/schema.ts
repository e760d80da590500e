import { z } from "zod";
import { MAX_PERIOD_DAYS, retentionActions, retentionBases } from "./categories.js";
import { presetIds } from "./presets.js";

/** The admin form for one category's policy. Which basis and action a category allows is checked in update-policy.ts. */
export const policyFormSchema = z.object({
  periodDays: z
    .string()
    .trim()
    .min(1, "retention.errors.periodRequired")
    .regex(/^\d{1,6}$/, "retention.errors.period")
    .transform(Number)
    .pipe(z.number().int().min(1, "retention.errors.period").max(MAX_PERIOD_DAYS, "retention.errors.period")),
  basis: z.enum(retentionBases, { error: "retention.errors.basisNotAllowed" }),
  action: z.enum(retentionActions, { error: "retention.errors.actionNotAllowed" }),
});

export const presetFormSchema = z.object({
  preset: z.enum(presetIds as [string, ...string[]], { error: "retention.errors.preset" }),
});
