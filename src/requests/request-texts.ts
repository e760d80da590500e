import { asc, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { requestMessages, requests } from "../db/schema/index.js";
import type { KeyRing } from "../platform/crypto.js";
import { keyById, keyOfSubject, keysById, newDetachedKey, openField, openJson, sealField, sealJson, type SubjectKey } from "../platform/subject-keys.js";

/**
 * What the requester wrote on a request and what is written to them (issue 18): the details they
 * gave, both ways of the thread, and the decision and extension reasons. All are sealed under the
 * request's key — the subject's own, or for a receipt-code requester a key of the request's —
 * so erasure shreds them with the key. Readers call `openRequest`/`openThread` for the words.
 */
type RequestRecord = typeof requests.$inferSelect;
type MessageRecord = typeof requestMessages.$inferSelect;

export interface RequestTexts {
  /** The type-specific details the requester gave ({} when none, or once shredded). */
  given: Record<string, unknown>;
  decisionReason: string | null;
  extensionReason: string | null;
}
export type OpenedRequest<R extends RequestRecord = RequestRecord> = R & RequestTexts;
export type ThreadMessage = Omit<MessageRecord, "bodyEnc"> & { body: string };

const DETAILS = "request-details";
const DECISION_REASON = "decision-reason";
const EXTENSION_REASON = "extension-reason";
const MESSAGE = "request-message";

/** The key a new request is sealed under: the subject's, else a detached one of its own. */
export async function keyForNewRequest(db: Executor, keys: KeyRing, orgId: string, subjectId: string | null): Promise<SubjectKey> {
  const own = subjectId ? await keyOfSubject(db, keys, subjectId) : undefined;
  return own ?? newDetachedKey(db, keys, orgId);
}

/**
 * The request's key for writing. A request whose key was shredded (its requester erased) gets a
 * fresh one: what is written from now on is readable, what was shredded stays gone.
 */
export async function writableKeyOf(db: Executor, keys: KeyRing, r: Pick<RequestRecord, "id" | "orgId" | "subjectId" | "subjectKeyId">): Promise<SubjectKey> {
  const current = await keyById(db, keys, r.subjectKeyId);
  if (current) return current;
  const fresh = await keyForNewRequest(db, keys, r.orgId, r.subjectId);
  await db.update(requests).set({ subjectKeyId: fresh.id }).where(eq(requests.id, r.id));
  return fresh;
}

/** Keys of requests.details the portal itself writes (never the requester's words): they stay plain. */
const SYSTEM_MARKERS = ["retention", "notesWithheldReason"];

/** Splits details into the portal's markers (kept plain) and the requester's fields (sealed). */
export function splitDetails(details: Record<string, unknown> | null): { markers: Record<string, unknown>; given: Record<string, unknown> } {
  const markers: Record<string, unknown> = {};
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details ?? {})) (SYSTEM_MARKERS.includes(k) ? markers : given)[k] = v;
  return { markers, given };
}

export const sealDetails = (key: SubjectKey, details: Record<string, unknown>) => sealJson(key, DETAILS, details);
export const sealDecisionReason = (key: SubjectKey, text: string | null) => sealField(key, DECISION_REASON, text);
export const sealExtensionReason = (key: SubjectKey, text: string | null) => sealField(key, EXTENSION_REASON, text);
export const sealMessageBody = (key: SubjectKey, body: string) => sealField(key, MESSAGE, body);

export function openTexts(r: RequestRecord, key: SubjectKey | undefined): RequestTexts {
  return {
    given: openJson<Record<string, unknown>>(key, DETAILS, r.detailsEnc) ?? {},
    decisionReason: openField(key, DECISION_REASON, r.decisionReasonEnc),
    extensionReason: openField(key, EXTENSION_REASON, r.extensionReasonEnc),
  };
}

export async function openRequests<R extends RequestRecord>(db: Executor, keys: KeyRing, rows: R[]): Promise<OpenedRequest<R>[]> {
  const ks = await keysById(db, keys, rows.map((r) => r.subjectKeyId));
  return rows.map((r) => ({ ...r, ...openTexts(r, r.subjectKeyId ? ks.get(r.subjectKeyId) : undefined) }));
}

export async function openRequest<R extends RequestRecord>(db: Executor, keys: KeyRing, row: R): Promise<OpenedRequest<R>> {
  return (await openRequests(db, keys, [row]))[0]!;
}

export function openMessages(key: SubjectKey | undefined, rows: MessageRecord[]): ThreadMessage[] {
  return rows.map(({ bodyEnc, ...m }) => ({ ...m, body: openField(key, MESSAGE, bodyEnc) ?? "" }));
}

/** The request's thread, oldest first, opened (bodies are "" once the key was shredded). */
export async function openThread(db: Executor, keys: KeyRing, r: Pick<RequestRecord, "id" | "subjectKeyId">): Promise<ThreadMessage[]> {
  const rows = await db.select().from(requestMessages).where(eq(requestMessages.requestId, r.id)).orderBy(asc(requestMessages.createdAt));
  return openMessages(await keyById(db, keys, r.subjectKeyId), rows);
}

/** Adds a message to the request's thread, sealed, in the caller's transaction. */
export async function insertRequestMessage(
  db: Executor,
  keys: KeyRing,
  r: Pick<RequestRecord, "id" | "orgId" | "subjectId" | "subjectKeyId">,
  m: { authorType: "requester" | "staff"; authorId: string | null; body: string; createdAt: Date },
): Promise<void> {
  const key = await writableKeyOf(db, keys, r);
  await db.insert(requestMessages).values({ requestId: r.id, authorType: m.authorType, authorId: m.authorId, bodyEnc: sealMessageBody(key, m.body), createdAt: m.createdAt });
}
