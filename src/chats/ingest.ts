import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { conversations, subjects } from "../db/schema/index.js";
import { AppError, ValidationError } from "../platform/errors.js";
import type { KeyRing } from "../platform/crypto.js";
import { createConversations, readIp, storesIpAddresses, updateConversation, type Conversation } from "./conversation-store.js";
import type { ConversationBody, SubjectBody } from "./schema.js";
import { isIngestTombstoned } from "./ingest-tombstones.js";
import { insertSubject, subjectByEmail, subjectById, subjectByExternalId, subjectIdsByExternalIds, updateSubject, type Subject } from "./subject-store.js";

/**
 * Upserts shared by the ingest API and the NDJSON importer. They run inside the caller's
 * transaction, look before they write (so a refused record leaves the transaction usable) and
 * are idempotent on the platform's ids: the same record twice changes nothing.
 */
export type { Subject };
export type Outcome = "created" | "updated" | "unchanged";

/** Refusals the platform can act on; the API renders them as problem+json, the importer as line reasons. */
export class IngestConflict extends AppError {
  constructor(code: "conversation_erased" | "subject_erased" | "receipt_code_taken" | "email_taken", message: string) {
    super(409, code, message);
  }
}

export class IngestNotFound extends AppError {
  constructor(code: "conversation_not_found", message: string) {
    super(404, code, message);
  }
}

export const isErased = (c: Pick<Conversation, "erasedAt" | "dataKeyId">) => c.erasedAt !== null || c.dataKeyId === null;

export function erasedConflict(): IngestConflict {
  return new IngestConflict("conversation_erased", "the conversation was erased; it takes no more writes");
}

function subjectValues(input: SubjectBody) {
  return {
    email: input.email ? input.email.toLowerCase() : null,
    displayName: input.displayName ?? null,
    locale: input.locale ?? null,
  };
}

/**
 * PUT semantics for a chat account's profile. A portal-only subject with the same e-mail (someone
 * who signed in by e-mail code before the platform pushed the account) is adopted rather than
 * duplicated; an address held by another platform account is a conflict.
 */
export async function saveSubject(db: Executor, orgId: string, externalId: string, input: SubjectBody, keys: KeyRing): Promise<{ subject: Subject; outcome: Outcome }> {
  const values = subjectValues(input);
  const existing = await subjectByExternalId(db, keys, orgId, externalId);
  // An account deleted by erasure or retention is not re-created by a replayed or late delivery.
  if (!existing && (await isIngestTombstoned(db, keys, orgId, "subject", externalId))) {
    throw new IngestConflict("subject_erased", "the account was erased; it is not created again");
  }
  const holder = values.email ? await subjectByEmail(db, keys, orgId, values.email) : undefined;
  if (holder && holder.id !== existing?.id && (existing || holder.externalId !== null)) {
    throw new IngestConflict("email_taken", "another account of this organization has that e-mail address");
  }
  if (existing) {
    const changed = existing.email !== values.email || existing.displayName !== values.displayName || existing.locale !== values.locale;
    if (!changed) return { subject: existing, outcome: "unchanged" };
    const row = await updateSubject(db, keys, existing.id, values);
    return { subject: row!, outcome: "updated" };
  }
  if (holder) {
    const row = await updateSubject(db, keys, holder.id, { ...values, externalId });
    return { subject: row!, outcome: "created" };
  }
  const row = await insertSubject(db, keys, { orgId, externalId, ...values });
  return { subject: row, outcome: "created" };
}

export function subjectResource(s: Subject) {
  return { externalId: s.externalId ?? "", email: s.email, displayName: s.displayName, locale: s.locale };
}

/** The subject's internal id for a platform id, or a field error naming `field`. */
export async function resolveSubjectId(db: Executor, keys: KeyRing, orgId: string, externalId: string | null | undefined, field = "subjectExternalId"): Promise<string | null> {
  if (!externalId) return null;
  const row = { id: (await subjectIdsByExternalIds(db, keys, orgId, [externalId])).get(externalId) };
  if (!row.id) throw new ValidationError({ [field]: "chats.api.errors.unknownSubject" });
  return row.id;
}

/** Refuses a receipt-code hash that another conversation already carries (they are unique across the portal). */
export async function assertReceiptHashFree(db: Executor, hash: string | null | undefined, exceptId?: string): Promise<void> {
  if (!hash) return;
  const [taken] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(exceptId ? and(eq(conversations.receiptCodeHash, hash), ne(conversations.id, exceptId)) : eq(conversations.receiptCodeHash, hash));
  if (taken) throw new IngestConflict("receipt_code_taken", "another conversation has this receipt code");
}

/** With `lock`, the row stays locked until commit: an erasure waits for this write, or this write sees it. */
export async function findConversation(db: Executor, orgId: string, externalId: string, lock = false): Promise<Conversation | undefined> {
  const query = db.select().from(conversations).where(and(eq(conversations.orgId, orgId), eq(conversations.externalId, externalId)));
  const [row] = lock ? await query.for("no key update") : await query;
  return row;
}

export async function findConversations(db: Executor, orgId: string, externalIds: string[]): Promise<Conversation[]> {
  if (externalIds.length === 0) return [];
  return db.select().from(conversations).where(and(eq(conversations.orgId, orgId), inArray(conversations.externalId, externalIds)));
}

/** A conversation that takes writes: it exists in this organization and was not erased. */
export async function writableConversation(db: Executor, orgId: string, externalId: string): Promise<Conversation> {
  const conv = await findConversation(db, orgId, externalId, true);
  if (!conv) throw new IngestNotFound("conversation_not_found", "no conversation with that id; PUT it first");
  if (isErased(conv)) throw erasedConflict();
  return conv;
}

const sameTime = (a: Date | null, b: Date | null | undefined) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * PUT semantics for a conversation's metadata. Erased conversations take no writes; an IP
 * address already truncated by retention is not restored by a replay.
 */
export async function saveConversation(
  db: Executor,
  keys: KeyRing,
  orgId: string,
  externalId: string,
  input: ConversationBody,
  resolved?: { subjectId: string | null },
): Promise<{ conversation: Conversation; outcome: Outcome }> {
  const subjectId = resolved ? resolved.subjectId : await resolveSubjectId(db, keys, orgId, input.subjectExternalId);
  const wanted = {
    subjectId,
    receiptCodeHash: input.receiptCodeHash ?? null,
    topic: input.topic ?? null,
    language: input.language ?? null,
    startedAt: input.startedAt,
    endedAt: input.endedAt ?? null,
  };
  const existing = await findConversation(db, orgId, externalId, true);
  if (existing && isErased(existing)) throw erasedConflict();
  if (!existing && (await isIngestTombstoned(db, keys, orgId, "conversation", externalId))) throw erasedConflict();
  await assertReceiptHashFree(db, wanted.receiptCodeHash, existing?.id);
  if (!existing) {
    const [created] = await createConversations(db, keys, [{ orgId, externalId, ...wanted, ip: input.ip ?? null }]);
    await touchSubjects(db, new Map(subjectId ? [[subjectId, wanted.endedAt ?? wanted.startedAt]] : []));
    return { conversation: created!.conversation, outcome: "created" };
  }
  const changes: Parameters<typeof updateConversation>[3] = {};
  if (existing.subjectId !== wanted.subjectId) changes.subjectId = wanted.subjectId;
  if (existing.receiptCodeHash !== wanted.receiptCodeHash) changes.receiptCodeHash = wanted.receiptCodeHash;
  if (existing.topic !== wanted.topic) changes.topic = wanted.topic;
  if (existing.language !== wanted.language) changes.language = wanted.language;
  if (!sameTime(existing.startedAt, wanted.startedAt)) changes.startedAt = wanted.startedAt;
  if (!sameTime(existing.endedAt, wanted.endedAt)) changes.endedAt = wanted.endedAt;
  if (!existing.ipTruncatedAt) {
    // An organization that stores no IP addresses has none to compare with: not a change.
    const ip = (await storesIpAddresses(db, orgId)) ? input.ip ?? null : null;
    if ((await readIp(db, keys, existing)) !== ip) changes.ip = ip;
  }
  if (Object.keys(changes).length === 0) return { conversation: existing, outcome: "unchanged" };
  const conversation = await updateConversation(db, keys, existing, changes);
  await touchSubjects(db, new Map(subjectId ? [[subjectId, wanted.endedAt ?? wanted.startedAt]] : []));
  return { conversation, outcome: "updated" };
}

export async function conversationResource(db: Executor, keys: KeyRing, c: Conversation) {
  const found = await subjectById(db, keys, c.subjectId);
  const subject = found ? { externalId: found.externalId, objectedAt: found.researchObjectionAt ?? found.consentWithdrawnAt } : undefined;
  return {
    externalId: c.externalId ?? "",
    subjectExternalId: subject?.externalId ?? null,
    receiptCodeHash: c.receiptCodeHash,
    topic: c.topic,
    language: c.language,
    startedAt: c.startedAt.toISOString(),
    endedAt: c.endedAt?.toISOString() ?? null,
    hasIp: c.ipEnc !== null,
    // Art. 21(6): the person objected to research use of this conversation (or of all theirs).
    researchObjection: c.researchObjectionAt !== null || !!subject?.objectedAt,
  };
}

/** Moves subjects' last activity forward (never back), for retention's "last activity" clock. */
export async function touchSubjects(db: Executor, latest: Map<string, Date>): Promise<void> {
  if (latest.size === 0) return;
  const values = sql.join([...latest].map(([id, at]) => sql`(${id}::uuid, ${at.toISOString()}::timestamptz)`), sql`, `);
  await db.execute(
    sql`update subjects set last_activity_at = greatest(subjects.last_activity_at, v.at) from (values ${values}) as v(id, at) where subjects.id = v.id`,
  );
}

/** The PostgreSQL error code behind a (drizzle-wrapped) database error, e.g. 23505. */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}
