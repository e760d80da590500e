import { z } from "zod";
import { legalHoldReasons } from "../requests/result.js";

/** The most characters a legal hold's note and a recipient task's note take. */
export const NOTE_MAX = 2000;
export const RECIPIENT_DESCRIPTION_MAX = 2000;

const optionalText = (max: number) => z.string().trim().max(max, "platform.errors.tooLong").default("");

export const recipientSchema = z.object({
  name: z.string().trim().min(1, "platform.errors.required").max(200, "platform.errors.tooLong"),
  description: optionalText(RECIPIENT_DESCRIPTION_MAX),
  webhookUrl: optionalText(2000).refine((v) => v === "" || isWebhookUrl(v), "fulfilment.errors.webhookUrl"),
});
export type RecipientInput = z.infer<typeof recipientSchema>;

function isWebhookUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
  } catch {
    return false;
  }
}

const reviewDate = z.string("fulfilment.errors.holdReviewRequired").trim().min(1, "fulfilment.errors.holdReviewRequired").regex(/^\d{4}-\d{2}-\d{2}$/, "fulfilment.errors.holdReviewFormat")
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "fulfilment.errors.holdReviewFormat");
/** Why the hold is renewed or lifted: required, never stored or audited as text (only its length). */
const holdNote = z.string("fulfilment.errors.holdNoteRequired").trim().min(1, "fulfilment.errors.holdNoteRequired").max(NOTE_MAX, "platform.errors.tooLong");
export const legalHoldSchema = z.object({ reason: z.enum(legalHoldReasons, "fulfilment.errors.chooseHoldReason"), reviewOn: reviewDate });
export const renewHoldSchema = z.object({ reviewOn: reviewDate, note: holdNote });
export const liftHoldSchema = z.object({ note: holdNote });
export const taskNoteSchema = z.object({ note: z.string().trim().min(1, "platform.errors.required").max(NOTE_MAX, "platform.errors.tooLong") });
