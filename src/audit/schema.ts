import { z } from "zod";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isRealDate = (s: string) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v), schema.optional());
const day = optional(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "audit.errors.date").refine(isRealDate, "audit.errors.date"));

/** Filters of the audit log (query string). Actor: "staff:<id>" or an actor type. */
export const auditFilterSchema = z
  .object({
    actor: optional(z.string().regex(/^(staff:[0-9a-f-]{36}|staff|subject|system|api|anonymous)$/i, "audit.errors.actor")),
    action: optional(z.string().max(100, "platform.errors.tooLong").regex(/^[a-z0-9_.:-]+$/i, "audit.errors.action")),
    subjectId: optional(z.string().regex(UUID, "audit.errors.subjectId")),
    from: day,
    to: day,
    before: optional(z.string().regex(/^\d{1,15}$/).transform(Number)),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "audit.errors.range" });

export type AuditFilters = z.infer<typeof auditFilterSchema>;
