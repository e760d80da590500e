import { z } from "zod";
import { isReceiptCodeShape } from "../platform/codes.js";
import { isEmailCodeShape } from "./email-codes.js";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./reset-password.js";

/** Form inputs of the sign-in pages. Messages are i18n keys shown next to the field. */
const email = z
  .string({ error: "identity.errors.emailRequired" })
  .trim()
  .min(1, "identity.errors.emailRequired")
  .max(254, "identity.errors.emailFormat")
  .pipe(z.email("identity.errors.emailFormat"));

export const methodForm = z.object({
  method: z.enum(["account", "email", "receipt", "eid"], { error: "identity.errors.chooseMethod" }),
});

export const passwordForm = z.object({
  email,
  password: z.string({ error: "identity.errors.passwordRequired" }).min(1, "identity.errors.passwordRequired").max(PASSWORD_MAX_LENGTH, "identity.errors.passwordWrong"),
});

export const emailForm = z.object({ email });

export const emailCodeForm = z.object({
  code: z
    .string({ error: "identity.errors.codeRequired" })
    .trim()
    .min(1, "identity.errors.codeRequired")
    .max(40, "identity.errors.codeFormat")
    .refine(isEmailCodeShape, "identity.errors.codeFormat"),
});

export const receiptForm = z.object({
  code: z
    .string({ error: "identity.errors.receiptRequired" })
    .trim()
    .min(1, "identity.errors.receiptRequired")
    .max(64, "identity.errors.receiptFormat")
    .refine(isReceiptCodeShape, "identity.errors.receiptFormat"),
});

export const newPasswordForm = z
  .object({
    password: z
      .string({ error: "identity.errors.newPasswordRequired" })
      .min(1, "identity.errors.newPasswordRequired")
      .min(PASSWORD_MIN_LENGTH, "identity.errors.newPasswordShort")
      .max(PASSWORD_MAX_LENGTH, "identity.errors.newPasswordLong"),
    confirm: z.string().optional().default(""),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "identity.errors.confirmMismatch" });
