import crypto from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { subjectKeys } from "../db/schema/index.js";
import { openText, seal, type KeyRing } from "./crypto.js";

/**
 * Per-person data keys (issue 18). Every field about a person — profile, request texts and
 * messages, complaints, decisions addressed to them, rectification values, audit details naming
 * them — is sealed with AES-256-GCM under their key; the associated data binds a ciphertext to
 * the key and the field, so it opens nowhere else. Deleting the key row shreds all of it,
 * including the copies in dead tuples, WAL and backups.
 *
 * For sign-in code (OIDC and others): `sealForSubject`/`openForSubject` seal one field of a
 * subject, `blindIndexOf` gives the look-up value for an identifier (e-mail, external id, eID sub).
 */
export interface SubjectKey {
  id: string;
  key: Buffer;
}

/** A key made in memory for a subject not inserted yet: `storeSubjectKey` after the insert. */
export interface PendingSubjectKey extends SubjectKey {
  wrapped: Buffer;
}

export function prepareSubjectKey(keys: KeyRing): PendingSubjectKey {
  const { key, wrapped } = keys.newDataKey();
  return { id: crypto.randomUUID(), key, wrapped };
}

export async function storeSubjectKeys(db: Executor, rows: { orgId: string; subjectId: string | null; pending: PendingSubjectKey }[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(subjectKeys).values(rows.map((r) => ({ id: r.pending.id, orgId: r.orgId, subjectId: r.subjectId, wrappedKey: r.pending.wrapped })));
}

/** A key for a person known without a subject row (a receipt-code requester): requests point to it. */
export async function newDetachedKey(db: Executor, keys: KeyRing, orgId: string): Promise<SubjectKey> {
  const pending = prepareSubjectKey(keys);
  await storeSubjectKeys(db, [{ orgId, subjectId: null, pending }]);
  return { id: pending.id, key: pending.key };
}

/** The subject's key, or undefined once it was shredded (or the subject never had one). */
export async function keyOfSubject(db: Executor, keys: KeyRing, subjectId: string): Promise<SubjectKey | undefined> {
  return (await keysOfSubjects(db, keys, [subjectId])).get(subjectId);
}

/** Keys of many subjects in one query, by subject id. */
export async function keysOfSubjects(db: Executor, keys: KeyRing, subjectIds: string[]): Promise<Map<string, SubjectKey>> {
  const ids = [...new Set(subjectIds)];
  const out = new Map<string, SubjectKey>();
  if (ids.length === 0) return out;
  const rows = await db.select().from(subjectKeys).where(inArray(subjectKeys.subjectId, ids));
  for (const r of rows) out.set(r.subjectId!, { id: r.id, key: keys.unwrapDataKey(r.wrappedKey) });
  return out;
}

/** A key by its own id (requests and complaints point to it), or undefined once shredded. */
export async function keyById(db: Executor, keys: KeyRing, keyId: string | null | undefined): Promise<SubjectKey | undefined> {
  if (!keyId) return undefined;
  const [row] = await db.select().from(subjectKeys).where(eq(subjectKeys.id, keyId));
  return row ? { id: row.id, key: keys.unwrapDataKey(row.wrappedKey) } : undefined;
}

/** Keys by their own ids, in one query. */
export async function keysById(db: Executor, keys: KeyRing, keyIds: (string | null | undefined)[]): Promise<Map<string, SubjectKey>> {
  const ids = [...new Set(keyIds.filter((x): x is string => !!x))];
  const out = new Map<string, SubjectKey>();
  if (ids.length === 0) return out;
  for (const r of await db.select().from(subjectKeys).where(inArray(subjectKeys.id, ids))) out.set(r.id, { id: r.id, key: keys.unwrapDataKey(r.wrappedKey) });
  return out;
}

const aad = (key: SubjectKey, field: string) => `subject-key:${key.id}:${field}`;

export function sealField(key: SubjectKey, field: string, value: string): Buffer;
export function sealField(key: SubjectKey, field: string, value: string | null | undefined): Buffer | null;
export function sealField(key: SubjectKey, field: string, value: string | null | undefined): Buffer | null {
  return value === null || value === undefined ? null : seal(key.key, value, aad(key, field));
}

/** The plain value; null when there was none, or when the key is gone (shredded). */
export function openField(key: SubjectKey | undefined, field: string, sealed: Buffer | null | undefined): string | null {
  if (!sealed || !key) return null;
  return openText(key.key, sealed, aad(key, field));
}

export function sealJson(key: SubjectKey, field: string, value: unknown): Buffer {
  return seal(key.key, JSON.stringify(value ?? null), aad(key, field));
}

export function openJson<T>(key: SubjectKey | undefined, field: string, sealed: Buffer | null | undefined): T | null {
  const text = openField(key, field, sealed);
  return text === null ? null : (JSON.parse(text) as T);
}

/** Seals one field under a subject's key (null when the subject has no key, i.e. was erased). */
export async function sealForSubject(db: Executor, keys: KeyRing, subjectId: string, field: string, value: string): Promise<Buffer | null> {
  const key = await keyOfSubject(db, keys, subjectId);
  return key ? sealField(key, field, value) : null;
}

export async function openForSubject(db: Executor, keys: KeyRing, subjectId: string, field: string, sealed: Buffer | null): Promise<string | null> {
  return openField(await keyOfSubject(db, keys, subjectId), field, sealed);
}

/** The blind index of an identifier of a person (purpose e.g. "email", "external-id", "oidc-sub"). */
export function blindIndexOf(keys: KeyRing, purpose: string, value: string): string {
  return keys.blindIndex(purpose, value);
}
