import { z } from "zod";
import { legalHoldReasons } from "../requests/result.js";

const optionalText = (max: number) => z.string().trim().max(max, "platform.errors.tooLong").default("");

export const recipientSchema = z.object({
  name: z.string().trim().min(1, "platform.errors.required").max(200, "platform.errors.tooLong"),
  description: optionalText(2000),
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

export const legalHoldSchema = z.object({ reason: z.enum(legalHoldReasons, "fulfilment.errors.chooseHoldReason") });
export const taskNoteSchema = z.object({ note: z.string().trim().min(1, "platform.errors.required").max(2000, "platform.errors.tooLong") });
