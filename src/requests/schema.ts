import { z } from "zod";
import { requestScopes, requestTypes, type RequestScope, type RequestType } from "../db/schema/index.js";

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

const text = (max: number) => z.string().trim().max(max, "platform.errors.tooLong");

export const detailsSchema = z.object({
  field: z.enum(rectifiableFields, "requests.errors.chooseField").optional(),
  value: text(200).optional(),
  statement: text(5000).optional(),
  note: text(2000).optional(),
});

export type Details = z.infer<typeof detailsSchema>;

/** What a complete draft must hold before it can be submitted. */
export const draftSchema = z.object({
  type: z.enum(requestTypes),
  scope: z.enum(requestScopes),
  conversationIds: z.array(z.uuid()).max(200).default([]),
  details: detailsSchema.default({}),
});

export type Draft = z.infer<typeof draftSchema>;

export const messageSchema = z.object({ body: z.string().trim().min(1, "platform.errors.required").max(5000, "platform.errors.tooLong") });
