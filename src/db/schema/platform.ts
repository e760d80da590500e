import { bigint, index, integer, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { bytea, createdAt, id, ts } from "./columns.js";
import { organizations } from "./organizations.js";
import { subjectKeys } from "./chats.js";

/** Append-only, hash-chained: hash = sha256(prev_hash + canonical entry). See platform/audit.ts. */
export const auditLog = pgTable(
  "audit_log",
  {
    /** Global order of writing (browse, export, links); positions within a chain are chain_seq. */
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    /**
     * The hash chain the entry belongs to: the organization's id, "platform" for events of no
     * organization, "legacy" for entries written while there was one chain for all (platform/audit.ts).
     */
    chain: text("chain").notNull(),
    /** Position in its chain: 1, 2, 3 … with no gaps (legacy entries keep their global seq). */
    chainSeq: bigint("chain_seq", { mode: "number" }).notNull(),
    at: ts("at").notNull(),
    orgId: uuid("org_id"),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    actorRole: text("actor_role"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    /** The data subject the entry concerns, for "who has seen my data". */
    subjectId: uuid("subject_id"),
    /** Keyed hash of the client IP: links repeated events without storing the address. */
    ipPseudonym: text("ip_pseudonym"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    /** Personal values of the entry, sealed under the subject's key (platform/audit.ts). */
    detailsEnc: bytea("details_enc"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_org_at").on(t.orgId, t.at),
    index("audit_subject").on(t.subjectId, t.at),
    index("audit_action").on(t.action),
    uniqueIndex("audit_chain_position").on(t.chain, t.chainSeq),
  ],
);

export const outbox = pgTable(
  "outbox",
  {
    id: id(),
    orgId: uuid("org_id").references(() => organizations.id),
    kind: text("kind").$type<"email" | "webhook">().notNull(),
    /**
     * The recipient (e-mail: the address; webhook: the recipient id) and the payload, sealed
     * (platform/outbox.ts): under the requester's data key when subject_key_id is set, so erasure
     * shreds them; otherwise under the row's own key, wrapped by the master key (key_wrapped).
     */
    recipientEnc: bytea("recipient_enc"),
    payloadEnc: bytea("payload_enc"),
    subjectKeyId: uuid("subject_key_id").references(() => subjectKeys.id, { onDelete: "set null" }),
    keyWrapped: bytea("key_wrapped"),
    template: text("template").notNull(),
    locale: text("locale").notNull().default("en"),
    requestId: uuid("request_id"),
    /** A stable key so the same notification is never queued twice. */
    dedupeKey: text("dedupe_key").unique(),
    /** Message-ID fixed at enqueue time: a retry after an unknown outcome keeps the same id. */
    messageId: text("message_id").notNull(),
    status: text("status").$type<"pending" | "sending" | "sent" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    lockedUntil: ts("locked_until"),
    lastError: text("last_error"),
    sentAt: ts("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [index("outbox_due").on(t.status, t.nextAttemptAt), index("outbox_subject_key").on(t.subjectKeyId)],
);

export const jobs = pgTable(
  "jobs",
  {
    id: id(),
    name: text("name").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    /** At most one job per key (e.g. "export:<id>", "cron:retention:<day>"), across instances. */
    uniqueKey: text("unique_key"),
    status: text("status").$type<"queued" | "running" | "done" | "failed">().notNull().default("queued"),
    runAt: ts("run_at").notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    lockedBy: text("locked_by"),
    lockedUntil: ts("locked_until"),
    /** A fresh uuid per claim: only the holder of the current attempt may renew, finish or fail it. */
    attemptToken: uuid("attempt_token"),
    lastError: text("last_error"),
    finishedAt: ts("finished_at"),
    createdAt: createdAt(),
  },
  (t) => [index("jobs_due").on(t.status, t.runAt), uniqueIndex("jobs_unique_key").on(t.uniqueKey)],
);

export const sessions = pgTable(
  "sessions",
  {
    /** SHA-256 of the cookie token: a leaked table does not yield usable cookies. */
    idHash: text("id_hash").primaryKey(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    kind: text("kind").$type<"requester" | "staff">().notNull(),
    subjectId: uuid("subject_id"),
    staffId: uuid("staff_id"),
    /** Receipt-code sessions are scoped to the one conversation proved. */
    conversationId: uuid("conversation_id"),
    email: text("email"),
    assurance: text("assurance").notNull(),
    /** Strong eID proved in this session (eid_identities), and the assurance it was stepped up from. */
    eidIdentityId: uuid("eid_identity_id"),
    steppedUpFrom: text("stepped_up_from"),
    /** Staff: password checked but second factor still pending. */
    stage: text("stage").notNull().default("complete"),
    reauthAt: ts("reauth_at"),
    locale: text("locale"),
    /** Answers of a multi-page form in progress (e.g. a new request), kept until submitted. */
    draft: jsonb("draft").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    lastSeenAt: ts("last_seen_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [index("sessions_expires").on(t.expiresAt)],
);

export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  hits: integer("hits").notNull(),
  resetAt: ts("reset_at").notNull(),
});

export const verificationCodes = pgTable(
  "verification_codes",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    /** Keyed hash of the normalized address, so codes can be found without storing it twice. */
    emailHash: text("email_hash").notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: ts("expires_at").notNull(),
    consumedAt: ts("consumed_at"),
    supersededAt: ts("superseded_at"),
    createdAt: createdAt(),
  },
  (t) => [index("verification_codes_lookup").on(t.orgId, t.emailHash)],
);

export const passwordResets = pgTable("password_resets", {
  id: id(),
  orgId: uuid("org_id").notNull().references(() => organizations.id),
  subjectId: uuid("subject_id").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
  createdAt: createdAt(),
});

export const retentionPolicies = pgTable(
  "retention_policies",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    category: text("category").notNull(),
    periodDays: integer("period_days").notNull(),
    basis: text("basis").$type<"created" | "last_activity">().notNull(),
    action: text("action").$type<"delete" | "tombstone" | "truncate_ip">().notNull(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [unique("retention_policies_org_category").on(t.orgId, t.category)],
);

/**
 * Where the audit chain legitimately starts after retention removed older entries: the first kept
 * entry's prev_hash must equal an anchor's hash, or audit:verify reports the gap.
 */
export const auditAnchors = pgTable(
  "audit_anchors",
  {
    /** The chain it anchors (audit_log.chain). */
    chain: text("chain").notNull(),
    /** The chain position (chain_seq) of the last removed entry. */
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
    at: ts("at").notNull(),
    removedCount: integer("removed_count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chain, t.seq] })],
);

export const retentionRuns = pgTable("retention_runs", {
  id: id(),
  orgId: uuid("org_id").notNull().references(() => organizations.id),
  startedAt: ts("started_at").notNull(),
  finishedAt: ts("finished_at"),
  dryRun: integer("dry_run").notNull().default(0),
  status: text("status").notNull().default("running"),
  counts: jsonb("counts").$type<Record<string, number>>().notNull().default({}),
  kept: jsonb("kept").$type<Record<string, number>>().notNull().default({}),
  cursor: jsonb("cursor").$type<Record<string, unknown>>().notNull().default({}),
});

/**
 * Migrations that need code, not only SQL (platform/data-migrations.ts): one row per migration
 * applied, written in the same transaction as its changes, so none runs twice.
 */
export const dataMigrations = pgTable("data_migrations", {
  name: text("name").primaryKey(),
  appliedAt: ts("applied_at").notNull(),
});

/**
 * Keys that must outlive a master-key rotation (the keyed-hash and blind-index keys: the hashes
 * stored with them cannot be recomputed), wrapped by the master key like a data key. A rotation
 * rewraps them; their value never changes (platform/root-keys.ts).
 */
export const wrappedRootKeys = pgTable("wrapped_root_keys", {
  purpose: text("purpose").primaryKey(),
  wrappedKey: bytea("wrapped_key").notNull(),
  createdAt: createdAt(),
});

/**
 * Export files on a PostgreSQL server (platform/blob-store.ts), where every instance reaches them:
 * the ciphertext of one blob (stream-crypto.ts, already encrypted under the export's file key) cut
 * into rows of one sealed chunk each, read back in order. A blob is named by the export row only
 * once it is ready; rows of unpublished attempts are removed by the build or the orphan sweep.
 */
export const exportBlobChunks = pgTable(
  "export_blob_chunks",
  {
    blobId: text("blob_id").notNull(),
    idx: integer("idx").notNull(),
    bytes: bytea("bytes").notNull(),
    writtenAt: ts("written_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.blobId, t.idx] }),
    // Prefix look-ups (the other attempts of one export) under any collation.
    index("export_blob_chunks_prefix").using("btree", t.blobId.op("text_pattern_ops")),
    index("export_blob_chunks_first_written").on(t.writtenAt).where(sql`${t.idx} = 0`),
  ],
);
