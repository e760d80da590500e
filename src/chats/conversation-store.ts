import crypto from "node:crypto";
import { asc, eq, inArray, sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import {
  conversations, conversationStatements, dataKeys, messages, notes, organizations, type SenderRole,
} from "../db/schema/index.js";
import { open, openText, seal, type KeyRing } from "../platform/crypto.js";
import { ConflictError } from "../platform/errors.js";
import { buildTimings } from "../platform/build-timings.js";

/**
 * The only code that reads or writes chat content. Bodies, sender labels, notes, statements and
 * IP addresses are sealed under the conversation's data key; the associated data binds each
 * ciphertext to its conversation and field, so a ciphertext moved elsewhere does not open.
 */

/** The conversation's data key is gone (erased or shredded): its content can never be read again. */
export class ContentErasedError extends ConflictError {
  constructor() {
    super("content_erased", "conversation content was erased");
  }
}

export type Conversation = typeof conversations.$inferSelect;

export interface NewConversation {
  orgId: string;
  subjectId?: string | null;
  externalId?: string | null;
  receiptCodeHash?: string | null;
  topic?: string | null;
  language?: string | null;
  startedAt: Date;
  endedAt?: Date | null;
  ip?: string | null;
}

export interface PlainMessage {
  externalId?: string | null;
  senderRole: SenderRole;
  senderLabel?: string | null;
  body: string;
  sentAt: Date;
}

export interface ReadMessage {
  id: number;
  senderRole: SenderRole;
  senderLabel: string | null;
  body: string;
  sentAt: Date;
}

const aad = (conversationId: string, field: string) => `${conversationId}:${field}`;

/**
 * The organizations among `orgIds` that store IP addresses. One that turned this off (settings:
 * "store IP addresses") gets none stored, whichever way a conversation arrives: the ingest API,
 * the NDJSON import, the demo seed. This store is the one place that writes them, so it decides.
 */
async function ipStoringOrgs(db: Executor, orgIds: string[]): Promise<Set<string>> {
  const ids = [...new Set(orgIds)];
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: organizations.id, store: organizations.storeIpAddresses }).from(organizations).where(inArray(organizations.id, ids));
  return new Set(rows.filter((r) => r.store).map((r) => r.id));
}

export async function storesIpAddresses(db: Executor, orgId: string): Promise<boolean> {
  return (await ipStoringOrgs(db, [orgId])).has(orgId);
}

export async function createConversation(db: Executor, keys: KeyRing, input: NewConversation): Promise<Conversation> {
  if (input.ip && !(await storesIpAddresses(db, input.orgId))) input = { ...input, ip: null };
  const { key, wrapped } = keys.newDataKey();
  const [dataKey] = await db.insert(dataKeys).values({ wrappedKey: wrapped }).returning({ id: dataKeys.id });
  const [conv] = await db
    .insert(conversations)
    .values({ ...input, ip: undefined, dataKeyId: dataKey!.id } as typeof conversations.$inferInsert)
    .returning();
  if (input.ip) {
    const ipEnc = seal(key, input.ip, aad(conv!.id, "ip"));
    await db.update(conversations).set({ ipEnc }).where(eq(conversations.id, conv!.id));
    return { ...conv!, ipEnc };
  }
  return conv!;
}

/** The conversation's data key in the clear, or undefined once it was destroyed (erased). */
export async function conversationKey(db: Executor, keys: KeyRing, conv: Pick<Conversation, "dataKeyId">): Promise<Buffer | undefined> {
  if (!conv.dataKeyId) return undefined;
  const [row] = await db.select().from(dataKeys).where(eq(dataKeys.id, conv.dataKeyId));
  return row ? keys.unwrapDataKey(row.wrappedKey) : undefined;
}

async function requireKey(db: Executor, keys: KeyRing, conv: Conversation): Promise<Buffer> {
  const key = await conversationKey(db, keys, conv);
  if (!key) throw new ContentErasedError();
  return key;
}

/** Appends messages; idempotent on (conversation, externalId). Returns how many were new. */
export async function appendMessages(db: Executor, keys: KeyRing, conv: Conversation, batch: PlainMessage[]): Promise<number> {
  if (batch.length === 0) return 0;
  const key = await requireKey(db, keys, conv);
  const inserted = await insertSealedMessages(db, sealMessages(key, conv.id, batch));
  return inserted.get(conv.id) ?? 0;
}

/* ---- Bulk writers (ingest API, NDJSON import): the caller holds the unwrapped key. ---- */

export type SealedMessage = typeof messages.$inferInsert;
export type SealedNote = typeof notes.$inferInsert;

export interface PlainNote {
  externalId?: string | null;
  body: string;
  createdAt?: Date;
}

/** Seals messages of one conversation with its data key (see conversationKey). */
export function sealMessages(key: Buffer, conversationId: string, batch: PlainMessage[]): SealedMessage[] {
  return batch.map((m) => ({
    conversationId,
    externalId: m.externalId ?? null,
    senderRole: m.senderRole,
    senderLabelEnc: m.senderLabel ? seal(key, m.senderLabel, aad(conversationId, "label")) : null,
    bodyEnc: seal(key, m.body, aad(conversationId, "body")),
    sentAt: m.sentAt,
  }));
}

/** Rows per INSERT statement; each column travels as one array parameter (unnest). */
const ROWS_PER_STATEMENT = 5000;

const timestamps = (dates: (Date | null | undefined)[]) => sql.param(dates.map((d) => (d ? d.toISOString() : null)));

/**
 * Inserts sealed messages of any number of conversations, idempotent on (conversation,
 * externalId), and keeps each conversation's message count. Each column is sent as one array
 * (INSERT … SELECT FROM unnest), which is much cheaper than thousands of bound parameters.
 * Returns how many rows were new per conversation id.
 */
export async function insertSealedMessages(db: Executor, rows: SealedMessage[]): Promise<Map<string, number>> {
  const added = new Map<string, number>();
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const inserted = rowsOf<{ conversation_id: string }>(
      await db.execute(sql`
        insert into messages (conversation_id, external_id, sender_role, sender_label_enc, body_enc, sent_at)
        select * from unnest(
          ${sql.param(chunk.map((r) => r.conversationId))}::uuid[], ${sql.param(chunk.map((r) => r.externalId ?? null))}::text[],
          ${sql.param(chunk.map((r) => r.senderRole))}::text[], ${sql.param(chunk.map((r) => r.senderLabelEnc ?? null))}::bytea[],
          ${sql.param(chunk.map((r) => r.bodyEnc))}::bytea[], ${timestamps(chunk.map((r) => r.sentAt))}::timestamptz[])
        on conflict do nothing
        returning conversation_id`),
    );
    for (const r of inserted) added.set(r.conversation_id, (added.get(r.conversation_id) ?? 0) + 1);
  }
  if (added.size > 0) {
    await db.execute(
      sql`update conversations set message_count = conversations.message_count + v.n
          from unnest(${sql.param([...added.keys()])}::uuid[], ${sql.param([...added.values()])}::integer[]) as v(id, n)
          where conversations.id = v.id`,
    );
  }
  return added;
}

export function sealNotes(key: Buffer, conversationId: string, batch: PlainNote[]): SealedNote[] {
  return batch.map((n) => ({
    conversationId,
    externalId: n.externalId ?? null,
    bodyEnc: seal(key, n.body, aad(conversationId, "note")),
    ...(n.createdAt ? { createdAt: n.createdAt } : {}),
  }));
}

/** Inserts sealed notes, idempotent on (conversation, externalId); returns how many were new. */
export async function insertSealedNotes(db: Executor, rows: SealedNote[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const inserted = rowsOf<{ id: string }>(
      await db.execute(sql`
        insert into notes (conversation_id, external_id, body_enc, created_at)
        select c, e, b, coalesce(t, now()) from unnest(
          ${sql.param(chunk.map((r) => r.conversationId))}::uuid[], ${sql.param(chunk.map((r) => r.externalId ?? null))}::text[],
          ${sql.param(chunk.map((r) => r.bodyEnc))}::bytea[], ${timestamps(chunk.map((r) => r.createdAt as Date | undefined))}::timestamptz[]) as u(c, e, b, t)
        on conflict do nothing
        returning id`),
    );
    count += inserted.length;
  }
  return count;
}

/** Appends notes; idempotent on (conversation, externalId). Returns how many were new. */
export async function appendNotes(db: Executor, keys: KeyRing, conv: Conversation, batch: PlainNote[]): Promise<number> {
  if (batch.length === 0) return 0;
  const key = await requireKey(db, keys, conv);
  return insertSealedNotes(db, sealNotes(key, conv.id, batch));
}

/**
 * Creates several conversations with one INSERT for their data keys and one for the rows (ids
 * are chosen here so the IP can be sealed under its conversation id before the insert). Returns
 * each conversation with its data key in the clear, for sealing its messages right away.
 */
export async function createConversations(
  db: Executor,
  keys: KeyRing,
  inputs: NewConversation[],
): Promise<{ conversation: Conversation; key: Buffer }[]> {
  if (inputs.length === 0) return [];
  const storing = await ipStoringOrgs(db, inputs.filter((i) => i.ip).map((i) => i.orgId));
  const prepared = inputs.map((input) => {
    const { key, wrapped } = keys.newDataKey();
    const id = crypto.randomUUID();
    const dataKeyId = crypto.randomUUID();
    const { ip, ...rest } = input;
    const kept = ip && storing.has(input.orgId) ? ip : null;
    const row: typeof conversations.$inferInsert = { ...rest, id, dataKeyId, ipEnc: kept ? seal(key, kept, aad(id, "ip")) : null };
    return { key, wrapped, dataKeyId, row };
  });
  await db.insert(dataKeys).values(prepared.map((p) => ({ id: p.dataKeyId, wrappedKey: p.wrapped })));
  const rows = await db.insert(conversations).values(prepared.map((p) => p.row)).returning();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return prepared.map((p) => ({ conversation: byId.get(p.row.id!)!, key: p.key }));
}

/** Data keys of several conversations in one query (erased ones are absent from the map). */
export async function conversationKeys(db: Executor, keys: KeyRing, convs: Pick<Conversation, "id" | "dataKeyId">[]): Promise<Map<string, Buffer>> {
  const ids = [...new Set(convs.map((c) => c.dataKeyId).filter((x): x is string => !!x))];
  const result = new Map<string, Buffer>();
  if (ids.length === 0) return result;
  const rows = await db.select().from(dataKeys).where(inArray(dataKeys.id, ids));
  const unwrapped = new Map(rows.map((r) => [r.id, keys.unwrapDataKey(r.wrappedKey)]));
  for (const c of convs) {
    const key = c.dataKeyId ? unwrapped.get(c.dataKeyId) : undefined;
    if (key) result.set(c.id, key);
  }
  return result;
}

/** Changes a conversation's metadata; a new IP address is sealed like at creation (null clears it). */
export async function updateConversation(
  db: Executor,
  keys: KeyRing,
  conv: Conversation,
  changes: Partial<Omit<NewConversation, "orgId">>,
): Promise<Conversation> {
  const { ip, ...rest } = changes;
  const set: Partial<typeof conversations.$inferInsert> = { ...rest };
  if (ip === null) set.ipEnc = null;
  else if (ip !== undefined && (await storesIpAddresses(db, conv.orgId))) set.ipEnc = seal(await requireKey(db, keys, conv), ip, aad(conv.id, "ip"));
  if (Object.keys(set).length === 0) return conv;
  const [row] = await db.update(conversations).set(set).where(eq(conversations.id, conv.id)).returning();
  return row!;
}

export async function addNote(db: Executor, keys: KeyRing, conv: Conversation, body: string, externalId?: string, createdAt?: Date): Promise<void> {
  const key = await requireKey(db, keys, conv);
  await db
    .insert(notes)
    .values({ conversationId: conv.id, externalId: externalId ?? null, bodyEnc: seal(key, body, aad(conv.id, "note")), ...(createdAt ? { createdAt } : {}) })
    .onConflictDoNothing();
}

export async function addStatement(db: Executor, keys: KeyRing, conv: Conversation, body: string, requestId: string): Promise<void> {
  const key = await requireKey(db, keys, conv);
  await db.insert(conversationStatements).values({ conversationId: conv.id, requestId, bodyEnc: seal(key, body, aad(conv.id, "statement")) });
}

/** Whose sender labels name someone: chat workers and other participants (the requester's and the system's never do). */
const NAMING_ROLES = new Set<SenderRole>(["worker", "other"]);

/**
 * Reads messages in order, a page at a time (exports stream through this). `labels: "naming"`
 * opens the sender label only where it names someone (NAMING_ROLES) and gives null elsewhere:
 * a package shows the requester and the system by role, and every label opened is a decryption.
 */
export async function readMessages(
  db: Executor,
  keys: KeyRing,
  conv: Conversation,
  opts: { afterId?: number; limit?: number; labels?: "all" | "naming" } = {},
): Promise<ReadMessage[]> {
  const wantLabel = opts.labels === "naming" ? (role: SenderRole) => NAMING_ROLES.has(role) : () => true;
  const key = await requireKey(db, keys, conv);
  // Only the columns a ReadMessage needs: every field costs a copy and a decode per row.
  const rows = await buildTimings.timeAsync("read", () =>
    db
      .select({ id: messages.id, senderRole: messages.senderRole, senderLabelEnc: messages.senderLabelEnc, bodyEnc: messages.bodyEnc, sentAt: messages.sentAt })
      .from(messages)
      .where(opts.afterId ? sql`${messages.conversationId} = ${conv.id} and (${messages.sentAt}, ${messages.id}) > (select sent_at, id from messages where id = ${opts.afterId})` : eq(messages.conversationId, conv.id))
      .orderBy(asc(messages.sentAt), asc(messages.id))
      .limit(opts.limit ?? 100_000),
  );
  const labelAad = aad(conv.id, "label");
  const bodyAad = aad(conv.id, "body");
  return buildTimings.time("decrypt", () =>
    rows.map((r) => ({
      id: r.id,
      senderRole: r.senderRole,
      senderLabel: r.senderLabelEnc && wantLabel(r.senderRole) ? openText(key, r.senderLabelEnc, labelAad) : null,
      body: openText(key, r.bodyEnc, bodyAad),
      sentAt: r.sentAt,
    })),
  );
}

export async function readNotes(db: Executor, keys: KeyRing, conv: Conversation): Promise<{ body: string; createdAt: Date }[]> {
  const key = await requireKey(db, keys, conv);
  const rows = await db.select().from(notes).where(eq(notes.conversationId, conv.id)).orderBy(asc(notes.createdAt));
  return rows.map((r) => ({ body: openText(key, r.bodyEnc, aad(conv.id, "note")), createdAt: r.createdAt }));
}

export async function readStatements(db: Executor, keys: KeyRing, conv: Conversation): Promise<{ body: string; createdAt: Date }[]> {
  const key = await requireKey(db, keys, conv);
  const rows = await db
    .select()
    .from(conversationStatements)
    .where(eq(conversationStatements.conversationId, conv.id))
    .orderBy(asc(conversationStatements.createdAt));
  return rows.map((r) => ({ body: openText(key, r.bodyEnc, aad(conv.id, "statement")), createdAt: r.createdAt }));
}

export async function readIp(db: Executor, keys: KeyRing, conv: Conversation): Promise<string | null> {
  if (!conv.ipEnc) return null;
  const key = await requireKey(db, keys, conv);
  return open(key, conv.ipEnc, aad(conv.id, "ip")).toString("utf8");
}

export async function conversationsByIds(db: Executor, ids: string[]): Promise<Conversation[]> {
  if (ids.length === 0) return [];
  return db.select().from(conversations).where(inArray(conversations.id, ids));
}

/** One page of a conversation's messages by position (the review screen pages through long chats). */
export async function readMessagePage(db: Executor, keys: KeyRing, conv: Conversation, page: { offset: number; limit: number }): Promise<ReadMessage[]> {
  const key = await requireKey(db, keys, conv);
  const rows = await db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conv.id))
    .orderBy(asc(messages.sentAt), asc(messages.id))
    .offset(page.offset)
    .limit(page.limit);
  return rows.map((r) => ({
    id: r.id,
    senderRole: r.senderRole,
    senderLabel: r.senderLabelEnc ? openText(key, r.senderLabelEnc, aad(conv.id, "label")) : null,
    body: openText(key, r.bodyEnc, aad(conv.id, "body")),
    sentAt: r.sentAt,
  }));
}

/** Notes with their ids, for redactions that point at one. */
export async function readNotesWithIds(db: Executor, keys: KeyRing, conv: Conversation): Promise<{ id: string; body: string; createdAt: Date }[]> {
  const key = await requireKey(db, keys, conv);
  const rows = await db.select().from(notes).where(eq(notes.conversationId, conv.id)).orderBy(asc(notes.createdAt), asc(notes.id));
  return rows.map((r) => ({ id: r.id, body: openText(key, r.bodyEnc, aad(conv.id, "note")), createdAt: r.createdAt }));
}

/** The sender labels the platform sent for a conversation (participants and counsellors), distinct. */
export async function readSenderLabels(db: Executor, keys: KeyRing, conv: Conversation): Promise<{ role: SenderRole; label: string }[]> {
  const key = await requireKey(db, keys, conv);
  const rows = await db
    .select({ role: messages.senderRole, labelEnc: messages.senderLabelEnc })
    .from(messages)
    .where(sql`${messages.conversationId} = ${conv.id} and ${messages.senderLabelEnc} is not null`);
  const seen = new Map<string, { role: SenderRole; label: string }>();
  for (const r of rows) {
    const label = openText(key, r.labelEnc!, aad(conv.id, "label"));
    seen.set(`${r.role}\0${label}`, { role: r.role, label });
  }
  return [...seen.values()];
}
