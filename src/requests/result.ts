/**
 * What a fulfilment records on the request (requests.result): the proof the DPO can show later —
 * counts per kind, tombstone ids, what was kept under legal hold and why, who was told — and
 * nothing of the content itself. The requester's page shows a plain-language view of it.
 */
import { z } from "zod";
import type { RequestRow } from "./change-status.js";

export const legalHoldReasons = ["child_protection_report", "police_report"] as const;
export type LegalHoldReason = (typeof legalHoldReasons)[number];

export const fulfilmentKinds = ["erasure", "rectification", "restriction", "objection", "withdraw_consent", "export"] as const;
export type FulfilmentKind = (typeof fulfilmentKinds)[number];

const iso = z.string();
const keptSchema = z.object({ conversationId: z.string(), startedAt: iso, reason: z.string() });
const recipientSchema = z.object({
  taskId: z.string(), recipientId: z.string(), name: z.string(), action: z.string(), confirmedAt: iso.nullable(),
});
const countsSchema = z.object({ messages: z.number(), notes: z.number(), statements: z.number(), conversations: z.number(), profile: z.number() });

export const fulfilmentResultSchema = z.object({
  fulfilment: z.enum(fulfilmentKinds),
  startedAt: iso,
  completedAt: iso.nullable(),
  by: z.object({ type: z.string(), id: z.string().nullable() }),
  erasure: z.object({
    counts: countsSchema,
    tombstones: z.array(z.string()),
    kept: z.array(keptSchema),
    approvedBy: z.string().nullable(),
    confirmedBy: z.string().nullable(),
    exportsExpired: z.number(),
    /** Crypto-shredding (issue 18): what became unreadable with the keys destroyed, by kind and count. */
    shredded: z.record(z.string(), z.number()).default({}),
  }).optional(),
  rectification: z.object({ fields: z.array(z.string()), statements: z.number(), conversationIds: z.array(z.string()), skippedErased: z.number() }).optional(),
  restriction: z.object({
    subject: z.boolean(), conversationIds: z.array(z.string()), liftNotifiedAt: iso.nullable(), liftedAt: iso.nullable(),
  }).optional(),
  objection: z.object({
    subjectFlag: z.enum(["research_objection", "consent_withdrawn"]).nullable(), conversationIds: z.array(z.string()),
  }).optional(),
  export: z.object({ id: z.string(), kind: z.string(), verificationCode: z.string().nullable(), readyAt: iso.nullable() }).optional(),
  kept: z.array(keptSchema).default([]),
  recipients: z.array(recipientSchema).default([]),
});

export type FulfilmentResult = z.infer<typeof fulfilmentResultSchema>;
export type ErasureCounts = z.infer<typeof countsSchema>;
export type KeptConversation = z.infer<typeof keptSchema>;
export type NotifiedRecipient = z.infer<typeof recipientSchema>;

/** The fulfilment record of a request, or undefined when it has none (or another shape). */
export function readResult(r: Pick<RequestRow, "result">): FulfilmentResult | undefined {
  if (!r.result || typeof r.result !== "object" || !("fulfilment" in r.result)) return undefined;
  const parsed = fulfilmentResultSchema.safeParse(r.result);
  return parsed.success ? parsed.data : undefined;
}

export function asJson(result: FulfilmentResult): Record<string, unknown> {
  return JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
}

/** What the requester's page shows: what was done, what was kept and why, and who was told. */
export interface RequesterFulfilmentView {
  kind: FulfilmentKind;
  done: boolean;
  erased: { conversations: number; messages: number; notes: number; profile: boolean } | null;
  kept: { startedAt: Date; reason: string }[];
  rectified: { fields: string[]; statements: number } | null;
  restriction: { subject: boolean; conversations: number; liftNotifiedAt: Date | null; liftedAt: Date | null } | null;
  objection: { subjectFlag: string | null; conversations: number } | null;
  exportReady: boolean;
  recipients: { name: string; confirmed: boolean }[];
}

const date = (s: string | null | undefined) => (s ? new Date(s) : null);

export function requesterFulfilmentView(r: Pick<RequestRow, "result">): RequesterFulfilmentView | null {
  const res = readResult(r);
  if (!res) return null;
  return {
    kind: res.fulfilment,
    done: res.completedAt !== null,
    erased: res.erasure
      ? { conversations: res.erasure.counts.conversations, messages: res.erasure.counts.messages, notes: res.erasure.counts.notes, profile: res.erasure.counts.profile > 0 }
      : null,
    kept: res.kept.map((k) => ({ startedAt: new Date(k.startedAt), reason: k.reason })),
    rectified: res.rectification ? { fields: res.rectification.fields, statements: res.rectification.statements } : null,
    restriction: res.restriction
      ? { subject: res.restriction.subject, conversations: res.restriction.conversationIds.length, liftNotifiedAt: date(res.restriction.liftNotifiedAt), liftedAt: date(res.restriction.liftedAt) }
      : null,
    objection: res.objection ? { subjectFlag: res.objection.subjectFlag, conversations: res.objection.conversationIds.length } : null,
    exportReady: !!res.export?.readyAt,
    recipients: res.recipients.map((x) => ({ name: x.name, confirmed: x.confirmedAt !== null })),
  };
}
