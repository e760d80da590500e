import { z } from "zod";
import { senderRoles } from "../db/schema/index.js";

/**
 * The chat platform's payloads, in one place: the ingest API validates with these, the OpenAPI
 * document is generated from them (openapi.ts) and the NDJSON importer reuses them line by line,
 * so the three cannot drift apart. Objects are strict: an unknown field (a pushed password hash,
 * a typo) is refused rather than silently dropped.
 */

/** The platform's own id of a record: what makes every write idempotent. */
export const externalIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:~@-]{1,200}$/)
  .meta({ description: "The chat platform's own id (1-200 of A-Z a-z 0-9 . _ : ~ @ -).", examples: ["conv-2026-000123"] });

/** RFC 3339 date-time with a time zone; parsed into a Date. */
const instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .meta({ description: "RFC 3339 date-time with offset, e.g. 2026-03-01T18:04:05Z." });

/** Text stored in the clear: PostgreSQL refuses NUL characters in text columns, so they are refused here. */
const plainText = (max: number) => z.string().trim().max(max).regex(/^[^\u0000]*$/);

const languageTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/).max(35);

export const subjectBodySchema = z
  .strictObject({
    email: z.email().max(254).nullish().meta({ description: "The account's e-mail address (stored lower-cased)." }),
    displayName: plainText(200).min(1).nullish(),
    locale: languageTag.nullish().meta({ description: "BCP 47 language tag, e.g. fi or sv-FI." }),
  })
  .meta({
    description:
      "A chat account's profile. PUT replaces it: an omitted field is cleared. Passwords are never pushed.",
  });

export const conversationBodySchema = z
  .strictObject({
    subjectExternalId: externalIdSchema.nullish().meta({ description: "The account that chatted, if signed in (PUT the subject first)." }),
    receiptCodeHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullish()
      .meta({ description: 'Lower-case hex SHA-256 of "receipt:" + the normalized receipt code shown at the end of the chat.' }),
    topic: plainText(200).nullish(),
    language: languageTag.nullish(),
    startedAt: instant,
    endedAt: instant.nullish(),
    ip: z.union([z.ipv4(), z.ipv6()]).nullish().meta({ description: "The chatter's IP address; stored encrypted." }),
  })
  .refine((c) => !c.endedAt || c.endedAt.getTime() >= c.startedAt.getTime(), { path: ["endedAt"], message: "chats.api.errors.endsBeforeStart" })
  .meta({ description: "A conversation's metadata. PUT replaces it: an omitted field is cleared." });

export const messageSchema = z.strictObject({
  externalId: externalIdSchema,
  senderRole: z.enum(senderRoles),
  senderLabel: z.string().max(200).nullish().meta({ description: "Worker name or participant handle; stored encrypted." }),
  body: z.string().min(1).max(50_000).meta({ description: "The message text; stored encrypted." }),
  sentAt: instant,
});

export const MAX_MESSAGES_PER_CALL = 1000;
export const MAX_NOTES_PER_CALL = 100;

export const messagesBodySchema = z
  .strictObject({ messages: z.array(messageSchema).min(1).max(MAX_MESSAGES_PER_CALL) })
  .meta({ description: "Messages to append. A message whose externalId is already stored is left as it is." });

export const noteSchema = z.strictObject({
  externalId: externalIdSchema,
  body: z.string().min(1).max(50_000).meta({ description: "The worker's note; stored encrypted." }),
  createdAt: instant.optional(),
});

export const notesBodySchema = z
  .strictObject({ notes: z.array(noteSchema).min(1).max(MAX_NOTES_PER_CALL) })
  .meta({ description: "Worker notes to attach. A note whose externalId is already stored is left as it is." });

export const externalIdParamsSchema = z.strictObject({ externalId: externalIdSchema });

/* ---- Responses (documentation; what the handlers return) ---- */

export const subjectResourceSchema = z.object({
  externalId: z.string(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  locale: z.string().nullable(),
});

export const conversationResourceSchema = z.object({
  externalId: z.string(),
  subjectExternalId: z.string().nullable(),
  receiptCodeHash: z.string().nullable(),
  topic: z.string().nullable(),
  language: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  hasIp: z.boolean(),
  researchObjection: z.boolean().meta({ description: "The person objected to research use of this conversation (GDPR Art. 21(6)) or withdrew consent: leave it out of research." }),
});

export const appendResultSchema = z.object({
  conversationExternalId: z.string(),
  received: z.int().meta({ description: "Distinct externalIds in this call." }),
  messageCount: z.int().optional(),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  retryAfter: z.int().optional(),
});

/* ---- NDJSON import: one line per record, the same shapes plus a type ---- */

export const importLineSchema = z.discriminatedUnion("type", [
  subjectBodySchema.extend({ type: z.literal("subject"), externalId: externalIdSchema }),
  conversationBodySchema.safeExtend({ type: z.literal("conversation"), externalId: externalIdSchema }),
  messageSchema.extend({ type: z.literal("message"), conversation: externalIdSchema }),
  noteSchema.extend({ type: z.literal("note"), conversation: externalIdSchema }),
]);
export type ImportLine = z.infer<typeof importLineSchema>;

export type SubjectBody = z.infer<typeof subjectBodySchema>;
export type ConversationBody = z.infer<typeof conversationBodySchema>;
export type MessageInput = z.infer<typeof messageSchema>;
export type NoteInput = z.infer<typeof noteSchema>;
