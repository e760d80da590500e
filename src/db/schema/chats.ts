import { bigserial, date, index, integer, pgTable, primaryKey, text, unique, uuid } from "drizzle-orm/pg-core";
import { bytea, createdAt, id, ts } from "./columns.js";
import { organizations } from "./organizations.js";

/**
 * Everything that identifies the person is sealed under the subject's own data key
 * (subject_keys; platform/subject-keys.ts): deleting that key shreds the profile wherever a copy
 * lives. Look-ups go through blind indexes (HMAC under a key of its own), never plaintext.
 */
export const subjects = pgTable(
  "subjects",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    /** The chat platform's own id (sealed), and its blind index for idempotent ingest. */
    externalIdEnc: bytea("external_id_enc"),
    externalIdIndex: text("external_id_index"),
    /** The lower-cased address (sealed) and its blind index; null for receipt-code people. */
    emailEnc: bytea("email_enc"),
    emailIndex: text("email_index"),
    displayNameEnc: bytea("display_name_enc"),
    passwordHash: text("password_hash"),
    locale: text("locale"),
    emailVerifiedAt: ts("email_verified_at"),
    /** Set when staff verified the person by other means (no document copy is ever stored). */
    staffVerifiedAt: ts("staff_verified_at"),
    staffVerifiedNoteEnc: bytea("staff_verified_note_enc"),
    restrictedAt: ts("restricted_at"),
    researchObjectionAt: ts("research_objection_at"),
    consentWithdrawnAt: ts("consent_withdrawn_at"),
    lastActivityAt: ts("last_activity_at"),
    createdAt: createdAt(),
  },
  (t) => [
    unique("subjects_org_external_index").on(t.orgId, t.externalIdIndex),
    unique("subjects_org_email_index").on(t.orgId, t.emailIndex),
  ],
);

/**
 * One data key per person, wrapped by the master key. A subject's key goes with the subject
 * (cascade); a person known only by a receipt code gets a key of their own (subject_id null) that
 * their requests point to. Deleting a row crypto-shreds every field sealed under it.
 */
export const subjectKeys = pgTable("subject_keys", {
  id: id(),
  orgId: uuid("org_id").notNull().references(() => organizations.id),
  subjectId: uuid("subject_id").unique().references(() => subjects.id, { onDelete: "cascade" }),
  wrappedKey: bytea("wrapped_key").notNull(),
  createdAt: createdAt(),
});

/** Per-conversation data keys, wrapped by the master key. Deleting a row crypto-shreds its data. */
export const dataKeys = pgTable("data_keys", {
  id: id(),
  wrappedKey: bytea("wrapped_key").notNull(),
  createdAt: createdAt(),
});

export const conversations = pgTable(
  "conversations",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    subjectId: uuid("subject_id").references(() => subjects.id, { onDelete: "set null" }),
    externalId: text("external_id"),
    /** SHA-256 of the normalized receipt code shown to the chatter at the end of the chat. */
    receiptCodeHash: text("receipt_code_hash").unique(),
    topic: text("topic"),
    language: text("language"),
    startedAt: ts("started_at").notNull(),
    endedAt: ts("ended_at"),
    /** IP address encrypted with the conversation's data key (police may need it in danger). */
    ipEnc: bytea("ip_enc"),
    ipTruncatedAt: ts("ip_truncated_at"),
    messageCount: integer("message_count").notNull().default(0),
    dataKeyId: uuid("data_key_id").references(() => dataKeys.id, { onDelete: "set null" }),
    legalHoldAt: ts("legal_hold_at"),
    legalHoldReason: text("legal_hold_reason"),
    /** The day the DPO must renew or lift the hold (organization's local date); set with every hold. */
    legalHoldReviewOn: date("legal_hold_review_on", { mode: "string" }),
    restrictedAt: ts("restricted_at"),
    /** Objection to research use (Art. 21) for this conversation, e.g. from a receipt-code requester. */
    researchObjectionAt: ts("research_objection_at"),
    /** Tombstone: after erasure only date, topic and the request reference remain. */
    erasedAt: ts("erased_at"),
    erasedByReference: text("erased_by_reference"),
    /**
     * The tombstone's only link to its receipt code: a blind index of the code's hash, so the
     * requester who signs in with it again is shown the outcome (issue 18), and nothing else can.
     */
    erasedReceiptIndex: text("erased_receipt_index"),
    createdAt: createdAt(),
  },
  (t) => [
    unique("conversations_org_external").on(t.orgId, t.externalId),
    index("conversations_subject").on(t.subjectId),
    index("conversations_org_started").on(t.orgId, t.startedAt),
    // Deleting a data key checks conversations for references (ON DELETE SET NULL): without this
    // index each deleted key scans the whole table.
    index("conversations_data_key").on(t.dataKeyId),
    index("conversations_erased_receipt").on(t.orgId, t.erasedReceiptIndex),
  ],
);

export const senderRoles = ["subject", "worker", "system", "other"] as const;
export type SenderRole = (typeof senderRoles)[number];

export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    senderRole: text("sender_role").$type<SenderRole>().notNull(),
    /** Worker names and participant handles are personal data too: encrypted like the body. */
    senderLabelEnc: bytea("sender_label_enc"),
    bodyEnc: bytea("body_enc").notNull(),
    sentAt: ts("sent_at").notNull(),
  },
  (t) => [
    index("messages_conversation_sent").on(t.conversationId, t.sentAt, t.id),
    unique("messages_conversation_external").on(t.conversationId, t.externalId),
    index("messages_sent_at").on(t.sentAt),
  ],
);

export const notes = pgTable(
  "notes",
  {
    id: id(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    bodyEnc: bytea("body_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("notes_conversation").on(t.conversationId),
    unique("notes_conversation_external").on(t.conversationId, t.externalId),
  ],
);

/** Art. 16 for transcripts: history is not rewritten, the requester's statement is attached. */
export const conversationStatements = pgTable(
  "conversation_statements",
  {
    id: id(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    requestId: uuid("request_id"),
    bodyEnc: bytea("body_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("statements_conversation").on(t.conversationId)],
);

/**
 * External ids of conversations and subjects deleted by retention or erasure, as keyed hashes: the
 * ingest API refuses to re-create them from a replayed or late platform delivery.
 */
export const ingestTombstones = pgTable(
  "ingest_tombstones",
  {
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    kind: text("kind").$type<"conversation" | "subject">().notNull(),
    externalIdHash: text("external_id_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.kind, t.externalIdHash] })],
);
