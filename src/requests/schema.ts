import { z } from "zod";
import { requestScopes, requestTypes, type RequestScope, type RequestType } from "../db/schema/index.js";
import { normalizeLineBreaks } from "../platform/http/validate.js";

/** Which scopes each type offers. A police transcript is always of chosen conversations. */
export const scopesByType: Record<RequestType, readonly RequestScope[]> = {
  access: ["all_conversations", "chosen_conversations"],
  export: ["all_conversations", "chosen_conversations"],
  police_transcript: ["chosen_conversations"],
  rectification: ["profile", "chosen_conversations"],
  erasure: ["all_conversations", "chosen_conversations"],
  restriction: ["all_conversations", "chosen_conversations"],
  objection: ["all_conversations", "chosen_conversations"],
  withdraw_consent: ["profile"],
};

export const rectifiableFields = ["displayName", "email"] as const;

export const typeSchema = z.object({ type: z.enum(requestTypes, "requests.errors.chooseType") });
export const scopeSchema = z.object({ scope: z.enum(requestScopes, "requests.errors.chooseScope") });
export const conversationsSchema = z.object({
  conversationIds: z
    .preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.uuid("requests.errors.unknownConversation")).max(200, "platform.errors.tooLong"))
    .refine((ids) => ids.length > 0, "requests.errors.chooseConversation"),
});

/**
 * A limited text. Line breaks count as one character, as the character count in the browser
 * counts them (a form sends each as CR LF). The limit is read back for the views by fieldLimits().
 */
const text = (max: number) => z.string().overwrite(normalizeLineBreaks).trim().max(max, "platform.errors.maxChars");

/** What is wrong and what is right: asked on a step of its own (the correction step). */
export const correctionSchema = z.object({
  field: z.enum(rectifiableFields, "requests.errors.chooseField").optional(),
  value: text(200).optional(),
  statement: text(5000).optional(),
});

/** Anything else the requester wants to say (the details step). */
export const noteSchema = z.object({ note: text(2000).optional() });

export const detailsSchema = correctionSchema.extend(noteSchema.shape);

export type Details = z.infer<typeof detailsSchema>;

/** How far ahead a requester may say they need the answer: a year covers any appointment. */
export const NEEDED_BY_MAX_DAYS = 366;

/**
 * The date a requester says they need the answer by (optional): a real calendar date, from today
 * (in the organization's time zone) up to a year ahead. Only the date is kept, never a reason.
 */
export function neededBySchema(today: string) {
  const latest = new Date(Date.parse(`${today}T00:00:00Z`) + NEEDED_BY_MAX_DAYS * 86_400_000).toISOString().slice(0, 10);
  return z.object({
    neededBy: z
      .string()
      .trim()
      .max(10, "requests.errors.neededByFormat")
      .optional()
      .transform((v) => v || undefined)
      .refine((v) => v === undefined || isCalendarDate(v), "requests.errors.neededByFormat")
      .refine((v) => v === undefined || !isCalendarDate(v) || v >= today, "requests.errors.neededByPast")
      .refine((v) => v === undefined || !isCalendarDate(v) || v <= latest, "requests.errors.neededByFar"),
  });
}

function isCalendarDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** What a complete draft must hold before it can be submitted. */
export const draftSchema = z.object({
  type: z.enum(requestTypes),
  scope: z.enum(requestScopes),
  conversationIds: z.array(z.uuid()).max(200).default([]),
  details: detailsSchema.default({}),
  neededBy: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

export type Draft = z.infer<typeof draftSchema>;

export const messageSchema = z.object({ body: text(5000).min(1, "platform.errors.required") });
