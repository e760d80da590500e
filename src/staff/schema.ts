import { z } from "zod";
import { PAGE_SIZE, queueSorts } from "./review-queue.js";
import { requestStatuses } from "../requests/lifecycle.js";
import { requestTypes, staffRoles } from "../db/schema/index.js";
import { supportedLocales } from "../platform/i18n.js";

export const signInSchema = z.object({
  email: z.string().trim().min(1, "platform.errors.required").max(320),
  password: z.string().min(1, "platform.errors.required").max(1000),
});
/** The app's 6-digit code, or a recovery code ("7K3QM-9XA2B", spaces and dashes allowed). */
export const codeSchema = z.object({ code: z.string().trim().min(1, "platform.errors.required").max(32, "staff.errors.totpInvalid") });
export const passwordSchema = z.object({ password: z.string().min(1, "platform.errors.required").max(1000) });
/** The queue's filters as the form sends them; anything malformed is ignored rather than refused (a bookmark must keep working). */
export const queueSchema = z.object({
  status: z.enum([...requestStatuses, "open", "all"]).optional().catch(undefined),
  type: z.enum(requestTypes).optional().catch(undefined),
  overdue: z.literal("1").optional().catch(undefined),
  mine: z.literal("1").optional().catch(undefined),
  assignee: z.union([z.literal("none"), z.uuid()]).optional().catch(undefined),
  action: z.literal("1").optional().catch(undefined),
  q: z.string().max(320).optional().catch(undefined),
  sort: z.enum(queueSorts).optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
});
export type QueueQuery = z.infer<typeof queueSchema>;

/** Requests picked on the queue to assign at once. */
export const assignManySchema = z.object({
  ids: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.uuid()).max(PAGE_SIZE)).refine((ids) => ids.length > 0, "staff.errors.pickRequests"),
  assigneeId: z.string().max(64).default(""),
});
/**
 * The most characters each text of the case page's forms takes, by form (the action it sends):
 * the schemas and use cases check these, and the page shows them in its character counts.
 */
export const CASE_TEXT_LIMITS = {
  message: { body: 5000 },
  note: { body: 5000 },
  askInfo: { message: 10_000 },
  askIdentity: { message: 10_000, doubtReason: 2000, accountOverrideReason: 2000 },
  approve: { message: 10_000 },
  reject: { reason: 5000, law: 300, message: 10_000 },
  extend: { reason: 2000 },
} as const;
export const REQUESTER_MESSAGE_MAX = CASE_TEXT_LIMITS.approve.message;

export const textSchema = (field: string, max = 10_000) => z.object({ [field]: z.string().max(max, "platform.errors.tooLong").default("") });
/** The ask-identity form; what each field must hold is the use case's to say (ask-for-identity.ts). */
export const askIdentitySchema = z.object({
  message: z.string().max(CASE_TEXT_LIMITS.askIdentity.message, "platform.errors.tooLong").default(""),
  doubtReason: z.string().max(CASE_TEXT_LIMITS.askIdentity.doubtReason, "platform.errors.tooLong").default(""),
  accountOverride: z.string().max(10).optional(),
  accountOverrideReason: z.string().max(CASE_TEXT_LIMITS.askIdentity.accountOverrideReason, "platform.errors.tooLong").default(""),
});
export const assignSchema = z.object({ assigneeId: z.string().max(64).default("") });
export const transcriptQuerySchema = z.object({ requestId: z.string().max(64), purpose: z.string().max(500).optional() });

const role = z.enum(staffRoles, { error: "staff.errors.role" });
/** "" keeps the organization's default language. */
const localeChoice = z.union([z.literal(""), z.enum(supportedLocales)], { error: "platform.errors.choose" }).default("");

export const inviteSchema = z.object({
  name: z.string().trim().min(1, "staff.errors.nameRequired").max(200, "platform.errors.tooLong"),
  email: z.string().trim().min(1, "staff.errors.emailRequired").max(254, "staff.errors.emailFormat").pipe(z.email("staff.errors.emailFormat")),
  role,
  locale: localeChoice,
});
export const roleSchema = z.object({ role });
export const localeSchema = z.object({ locale: localeChoice });
