import { bigserial, date, index, integer, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "./columns.js";
import { organizations, recipients, staffUsers } from "./organizations.js";
import { subjectKeys, subjects } from "./chats.js";
import { bytea } from "./columns.js";

export const requestTypes = [
  "access",
  "export",
  "police_transcript",
  "rectification",
  "erasure",
  "restriction",
  "objection",
  "withdraw_consent",
] as const;
export type RequestType = (typeof requestTypes)[number];

export const requestScopes = ["profile", "all_conversations", "chosen_conversations"] as const;
export type RequestScope = (typeof requestScopes)[number];

/** receipt < email < account < staff_verified < strong_eid (identity/guards.ts orders them). */
export const assuranceLevels = ["receipt", "email", "account", "staff_verified", "strong_eid"] as const;
export type AssuranceLevel = (typeof assuranceLevels)[number];

export const requests = pgTable(
  "requests",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    /** Short, unambiguous reference shown to the requester, e.g. RD-7K3Q-M9XA. */
    reference: text("reference").notNull().unique(),
    subjectId: uuid("subject_id").references(() => subjects.id, { onDelete: "set null" }),
    /** For requesters known only through a receipt code: the one conversation they proved. */
    receiptConversationId: uuid("receipt_conversation_id"),
    type: text("type").$type<RequestType>().notNull(),
    scope: text("scope").$type<RequestScope>().notNull(),
    conversationIds: uuid("conversation_ids").array().notNull().default([]),
    /** The requester's texts on this request (details, messages, decision and extension reasons) are
     * sealed under this key: the subject's, or for a receipt-code requester one of the request's own. */
    subjectKeyId: uuid("subject_key_id").references(() => subjectKeys.id, { onDelete: "set null" }),
    /** Type-specific details the requester gave (rectification field and value, statement, note), sealed. */
    detailsEnc: bytea("details_enc"),
    /** The portal's own markers (retention tombstone, notes-withheld reason): never the requester's words. */
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    /** Fingerprint of type + scope + details, to lead a duplicate to the open original. */
    dedupeKey: text("dedupe_key").notNull(),
    status: text("status").notNull(),
    assurance: text("assurance").$type<AssuranceLevel>().notNull(),
    /** Stepped up to strong eID for this request: the sign-in the requester came with (null: no step-up). */
    signedInWith: text("signed_in_with").$type<AssuranceLevel>(),
    /** Strong eID: the identity proved (eid_identities) and the provider's label (no personal data). */
    eidIdentityId: uuid("eid_identity_id"),
    eidProvider: text("eid_provider"),
    locale: text("locale").notNull(),
    receivedAt: ts("received_at").notNull(),
    /** Legal due date (local date in the organization's time zone). */
    dueDate: date("due_date", { mode: "string" }).notNull(),
    /** Due date after pauses and extension; what the queue sorts by. */
    effectiveDueDate: date("effective_due_date", { mode: "string" }).notNull(),
    pausedDays: integer("paused_days").notNull().default(0),
    pausedSince: ts("paused_since"),
    extendedAt: ts("extended_at"),
    extensionReasonEnc: bytea("extension_reason_enc"),
    extendedDueDate: date("extended_due_date", { mode: "string" }),
    assigneeId: uuid("assignee_id").references(() => staffUsers.id),
    decision: text("decision"),
    /** Addressed to the requester: sealed under the request's key. */
    decisionReasonEnc: bytea("decision_reason_enc"),
    legalGround: text("legal_ground"),
    /** The national law a refusal under Art. 23 relies on (named to the requester). */
    legalGroundLaw: text("legal_ground_law"),
    /** Art. 12(3) reason kind of an extension (complexity | number_of_requests), told in the notice. */
    extensionKind: text("extension_kind"),
    /** A staff member's out-of-band identity check (Art. 12(6)): the method from a list, never a document copy. */
    identityCheckMethod: text("identity_check_method"),
    identityCheckedAt: ts("identity_checked_at"),
    identityCheckedBy: uuid("identity_checked_by").references(() => staffUsers.id),
    decidedAt: ts("decided_at"),
    decidedBy: uuid("decided_by").references(() => staffUsers.id),
    /** Four-eyes: who approved an erasure first and who confirmed it. */
    erasureApprovedBy: uuid("erasure_approved_by").references(() => staffUsers.id),
    erasureConfirmedBy: uuid("erasure_confirmed_by").references(() => staffUsers.id),
    /** Proof of fulfilment, e.g. counts erased per kind and tombstone ids. */
    result: jsonb("result").$type<Record<string, unknown>>(),
    completedAt: ts("completed_at"),
    overdueNotifiedAt: ts("overdue_notified_at"),
    /** The date the requester says they need the answer by (a police appointment, say): only a date, never their reason. */
    neededBy: date("needed_by", { mode: "string" }),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("requests_queue").on(t.orgId, t.effectiveDueDate, t.id),
    index("requests_org_status_due").on(t.orgId, t.status, t.effectiveDueDate, t.id),
    index("requests_subject").on(t.subjectId),
    index("requests_assignee").on(t.assigneeId),
  ],
);

export const actorTypes = ["subject", "staff", "system", "api"] as const;
export type ActorType = (typeof actorTypes)[number];

export const requestEvents = pgTable(
  "request_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    at: ts("at").notNull(),
    actorType: text("actor_type").$type<ActorType>().notNull(),
    actorId: uuid("actor_id"),
    actorRole: text("actor_role"),
    kind: text("kind").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status"),
    note: text("note"),
    /** Whether the requester sees this event on their timeline. */
    visibleToRequester: integer("visible_to_requester").notNull().default(1),
  },
  (t) => [index("request_events_request").on(t.requestId, t.at)],
);

export const requestMessages = pgTable(
  "request_messages",
  {
    id: id(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    authorType: text("author_type").$type<"requester" | "staff">().notNull(),
    authorId: uuid("author_id"),
    /** Sealed under the request's key (requests.subject_key_id). */
    bodyEnc: bytea("body_enc"),
    readAt: ts("read_at"),
    createdAt: createdAt(),
  },
  (t) => [index("request_messages_request").on(t.requestId, t.createdAt)],
);

/**
 * Every notice the requester is sent about a request (question, identity request, extension,
 * decision, result, message), whether or not they gave an e-mail address: the status page shows
 * them as banners, so a receipt-code requester without e-mail learns of each. Holds kinds and
 * dates only; the words are in the thread (request_messages).
 */
export const requestNotices = pgTable(
  "request_notices",
  {
    id: id(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    /** Non-personal facts the banner names: a due date, an extension reason kind. */
    data: jsonb("data").$type<Record<string, string>>().notNull().default({}),
    /** Whether an e-mail was queued for it too (false: the banner is the only way it reaches them). */
    mailed: integer("mailed").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index("request_notices_request").on(t.requestId, t.createdAt)],
);

/** Internal staff notes on a request: never shown to the requester. */
export const requestNotes = pgTable(
  "request_notes",
  {
    id: id(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    authorId: uuid("author_id").references(() => staffUsers.id),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("request_notes_request").on(t.requestId)],
);

export const exportKinds = ["access_zip", "export_json", "police_pdf", "dossier"] as const;
export type ExportKind = (typeof exportKinds)[number];
export const exportStatuses = ["pending", "building", "ready", "failed", "expired"] as const;
export type ExportStatus = (typeof exportStatuses)[number];

export const exports = pgTable(
  "exports",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    requestId: uuid("request_id").references(() => requests.id, { onDelete: "set null" }),
    complaintId: uuid("complaint_id"),
    kind: text("kind").$type<ExportKind>().notNull(),
    status: text("status").$type<ExportStatus>().notNull().default("pending"),
    fileName: text("file_name"),
    path: text("path"),
    /**
     * The file's key (stream-crypto.ts), wrapped by the master key: the file on disk is ciphertext
     * only. Set in the transaction that marks the export ready, nulled when it expires or is
     * erased (destroying the key shreds the file, backups included). Key rotation rewraps it.
     */
    fileKeyWrapped: bytea("file_key_wrapped"),
    sizeBytes: integer("size_bytes"),
    sha256: text("sha256"),
    verificationCode: text("verification_code").unique(),
    manifest: jsonb("manifest").$type<Record<string, unknown>>(),
    signature: text("signature"),
    withheld: jsonb("withheld").$type<Record<string, unknown>[]>(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    expiresAt: ts("expires_at"),
    maxDownloads: integer("max_downloads").notNull().default(5),
    downloadCount: integer("download_count").notNull().default(0),
    readyAt: ts("ready_at"),
    createdAt: createdAt(),
  },
  (t) => [index("exports_request").on(t.requestId), index("exports_sha256").on(t.sha256)],
);

export const complaints = pgTable(
  "complaints",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    reference: text("reference").notNull().unique(),
    grounds: text("grounds").notNull(),
    /** The complainant's text and the answer, sealed under the requester's key (subject_keys). */
    subjectKeyId: uuid("subject_key_id").references(() => subjectKeys.id, { onDelete: "set null" }),
    bodyEnc: bytea("body_enc"),
    status: text("status").$type<"open" | "answered" | "escalated">().notNull().default("open"),
    receivedAt: ts("received_at").notNull(),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    answerEnc: bytea("answer_enc"),
    answeredAt: ts("answered_at"),
    answeredBy: uuid("answered_by").references(() => staffUsers.id),
    escalatedAt: ts("escalated_at"),
    /** A DPO reopened the request's decision from this complaint. */
    reopenedAt: ts("reopened_at"),
    reopenedBy: uuid("reopened_by").references(() => staffUsers.id),
    createdAt: createdAt(),
  },
  (t) => [index("complaints_org_status").on(t.orgId, t.status, t.dueDate)],
);

export const recipientTasks = pgTable(
  "recipient_tasks",
  {
    id: id(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    recipientId: uuid("recipient_id")
      .notNull()
      .references(() => recipients.id),
    action: text("action").notNull(),
    status: text("status").$type<"pending" | "confirmed">().notNull().default("pending"),
    webhookStatus: text("webhook_status"),
    note: text("note"),
    confirmedBy: uuid("confirmed_by").references(() => staffUsers.id),
    confirmedAt: ts("confirmed_at"),
    createdAt: createdAt(),
  },
  (t) => [unique("recipient_tasks_once").on(t.requestId, t.recipientId, t.action)],
);

