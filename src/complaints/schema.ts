import { z } from "zod";
import { complaintGrounds } from "../requests/complaint-paths.js";

/** Long enough to say what is wrong, short enough to read in one go. */
export const COMPLAINT_MIN = 10;
export const COMPLAINT_MAX = 4000;
export const ANSWER_MIN = 10;
export const ANSWER_MAX = 10_000;
export const REOPEN_REASON_MIN = 10;
export const REOPEN_REASON_MAX = 5000;
/** The answer and the reason to reopen, as the DPO's complaint page counts them. */
export const staffComplaintLimits = { answer: ANSWER_MAX, reason: REOPEN_REASON_MAX };

/** Control characters other than line breaks and tabs never belong in a complaint. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

const freeText = (min: number, max: number, keys: { required: string; short: string; long: string }) =>
  z
    .string(keys.required)
    .transform((s) => s.replace(/\r\n?/g, "\n").trim())
    .pipe(
      z
        .string()
        .min(1, keys.required)
        .min(min, keys.short)
        .max(max, keys.long)
        .refine((s) => !CONTROL.test(s), "complaints.errors.badCharacters"),
    );

export const fileComplaintSchema = z.object({
  grounds: z.enum(complaintGrounds, "complaints.errors.chooseGrounds"),
  body: freeText(COMPLAINT_MIN, COMPLAINT_MAX, { required: "complaints.errors.bodyRequired", short: "complaints.errors.bodyTooShort", long: "platform.errors.maxChars" }),
});
export type FileComplaintInput = z.infer<typeof fileComplaintSchema>;

export const answerSchema = z.object({
  answer: freeText(ANSWER_MIN, ANSWER_MAX, { required: "complaints.errors.answerRequired", short: "complaints.errors.answerTooShort", long: "platform.errors.tooLong" }),
});

/** The requester confirms they really sent a complaint to the authority (a checkbox, not a click by mistake). */
export const escalationSchema = z.object({
  confirm: z.literal("yes", "complaints.errors.confirmEscalation"),
});

export const complaintStatuses = ["open", "answered", "escalated"] as const;
export const staffQueueSchema = z.object({
  status: z.enum([...complaintStatuses, "all", "unanswered"]).optional().catch(undefined),
});
