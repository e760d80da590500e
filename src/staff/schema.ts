import { z } from "zod";
import { requestStatuses } from "../requests/lifecycle.js";
import { requestTypes } from "../db/schema/index.js";

export const signInSchema = z.object({
  email: z.string().trim().min(1, "platform.errors.required").max(320),
  password: z.string().min(1, "platform.errors.required").max(1000),
});
export const codeSchema = z.object({ code: z.string().trim().min(1, "platform.errors.required").max(12) });
export const passwordSchema = z.object({ password: z.string().min(1, "platform.errors.required").max(1000) });
export const queueSchema = z.object({
  status: z.enum([...requestStatuses, "open", "all"]).optional().catch(undefined),
  type: z.enum(requestTypes).optional().catch(undefined),
  overdue: z.literal("1").optional().catch(undefined),
  mine: z.literal("1").optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
});
export const textSchema = (field: string, max = 10_000) => z.object({ [field]: z.string().max(max, "platform.errors.tooLong").default("") });
export const assignSchema = z.object({ assigneeId: z.string().max(64).default("") });
export const transcriptQuerySchema = z.object({ requestId: z.string().max(64), purpose: z.string().max(500).optional() });
