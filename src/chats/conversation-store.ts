import { asc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import {
  conversations, conversationStatements, dataKeys, messages, notes, type SenderRole,
} from "../db/schema/index.js";
import { open, openText, seal, type KeyRing } from "../platform/crypto.js";

/**
 * The only code that reads or writes chat content. Bodies, sender labels, notes, statements and
 * IP addresses are sealed under the conversation's data key; the associated data binds each
 * ciphertext to its conversation and field, so a ciphertext moved elsewhere does not open.
 */
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

export async function createConversation(db: Executor, keys: KeyRing, input: NewConversation): Promise<Conversation> {
  const { key, wrapped } = keys.newDataKey();
  const [dataKey] = await db.insert(dataKeys).values({ wrappedKey: wrapped }).returning({ id: dataKeys.id });
  const [conv] = await db
    .insert(conversations)
    .values({ ...input, ip: undefined, dataKeyId: dataKey!.id } as typeof conversations.$inferInsert)
    .returning();
  if (input.ip) {
    await db.update(conversations).set({ ipEnc: seal(key, input.ip, aad(conv!.id, "ip")) }).where(eq(conversations.id, conv!.id));
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
  if (!key) throw new Error("conversation content was erased");
  return key;
}

/** Appends messages; idempotent on (conversation, externalId). Returns how many were new. */
export async function appendMessages(db: Executor, keys: KeyRing, conv: Conversation, batch: PlainMessage[]): Promise<number> {
  if (batch.length === 0) return 0;
  const key = await requireKey(db, keys, conv);
  const rows = batch.map((m) => ({
    conversationId: conv.id,
    externalId: m.externalId ?? null,
    senderRole: m.senderRole,
    senderLabelEnc: m.senderLabel ? seal(key, m.senderLabel, aad(conv.id, "label")) : null,
    bodyEnc: seal(key, m.body, aad(conv.id, "body")),
    sentAt: m.sentAt,
  }));
  const inserted = await db.insert(messages).values(rows).onConflictDoNothing().returning({ id: messages.id });
  if (inserted.length > 0) {
    await db
      .update(conversations)
      .set({ messageCount: sql`${conversations.messageCount} + ${inserted.length}` })
      .where(eq(conversations.id, conv.id));
  }
  return inserted.length;
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

/** Reads messages in order, a page at a time (exports stream through this). */
export async function readMessages(
  db: Executor,
  keys: KeyRing,
  conv: Conversation,
  opts: { afterId?: number; limit?: number } = {},
): Promise<ReadMessage[]> {
  const key = await requireKey(db, keys, conv);
  const rows = await db
    .select()
    .from(messages)
    .where(opts.afterId ? sql`${messages.conversationId} = ${conv.id} and (${messages.sentAt}, ${messages.id}) > (select sent_at, id from messages where id = ${opts.afterId})` : eq(messages.conversationId, conv.id))
    .orderBy(asc(messages.sentAt), asc(messages.id))
    .limit(opts.limit ?? 100_000);
  return rows.map((r) => ({
    id: r.id,
    senderRole: r.senderRole,
    senderLabel: r.senderLabelEnc ? openText(key, r.senderLabelEnc, aad(conv.id, "label")) : null,
    body: openText(key, r.bodyEnc, aad(conv.id, "body")),
    sentAt: r.sentAt,
  }));
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
