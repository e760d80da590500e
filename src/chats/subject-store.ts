import crypto from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { subjects } from "../db/schema/index.js";
import type { KeyRing } from "../platform/crypto.js";
import {
  blindIndexOf, keyOfSubject, keysOfSubjects, openField, prepareSubjectKey, sealField, storeSubjectKeys, type SubjectKey,
} from "../platform/subject-keys.js";

/**
 * The only code that reads or writes a subject's profile. Address, name, platform id and the
 * staff's verification note are sealed under the subject's own key (platform/subject-keys.ts);
 * the address and the platform id are found through blind indexes. Callers see `Subject`, the
 * opened profile, and never the sealed columns.
 */
export type SubjectRecord = typeof subjects.$inferSelect;

type Sealed = "externalIdEnc" | "externalIdIndex" | "emailEnc" | "emailIndex" | "displayNameEnc" | "staffVerifiedNoteEnc";
export interface PlainProfile {
  externalId: string | null;
  email: string | null;
  displayName: string | null;
  staffVerifiedNote: string | null;
}
export type Subject = Omit<SubjectRecord, Sealed> & PlainProfile;
export type NewSubject = Partial<Omit<Subject, "orgId">> & { orgId: string };
export type SubjectPatch = Partial<Omit<Subject, "id" | "orgId" | "createdAt">>;

const FIELDS = { externalId: "external_id", email: "email", displayName: "display_name", staffVerifiedNote: "staff_verified_note" } as const;

export const emailIndexOf = (keys: KeyRing, email: string) => blindIndexOf(keys, "email", email.trim().toLowerCase());
export const externalIdIndexOf = (keys: KeyRing, externalId: string) => blindIndexOf(keys, "subject-external-id", externalId);

function sealedColumns(keys: KeyRing, key: SubjectKey, p: Partial<PlainProfile>): Partial<SubjectRecord> {
  const out: Partial<SubjectRecord> = {};
  if (p.externalId !== undefined) {
    out.externalIdEnc = sealField(key, FIELDS.externalId, p.externalId);
    out.externalIdIndex = p.externalId === null ? null : externalIdIndexOf(keys, p.externalId);
  }
  if (p.email !== undefined) {
    out.emailEnc = sealField(key, FIELDS.email, p.email);
    out.emailIndex = p.email === null ? null : emailIndexOf(keys, p.email);
  }
  if (p.displayName !== undefined) out.displayNameEnc = sealField(key, FIELDS.displayName, p.displayName);
  if (p.staffVerifiedNote !== undefined) out.staffVerifiedNoteEnc = sealField(key, FIELDS.staffVerifiedNote, p.staffVerifiedNote);
  return out;
}

function split<T extends Partial<Subject>>(values: T): { plain: Partial<PlainProfile>; rest: Omit<T, keyof PlainProfile> } {
  const { externalId, email, displayName, staffVerifiedNote, ...rest } = values;
  return { plain: { externalId, email, displayName, staffVerifiedNote }, rest };
}

/** Opens one row with its key; a row whose key is gone reads as an empty profile. */
export function openSubject(row: SubjectRecord, key: SubjectKey | undefined): Subject {
  const { externalIdEnc, externalIdIndex: _x, emailEnc, emailIndex: _e, displayNameEnc, staffVerifiedNoteEnc, ...rest } = row;
  return {
    ...rest,
    externalId: openField(key, FIELDS.externalId, externalIdEnc),
    email: openField(key, FIELDS.email, emailEnc),
    displayName: openField(key, FIELDS.displayName, displayNameEnc),
    staffVerifiedNote: openField(key, FIELDS.staffVerifiedNote, staffVerifiedNoteEnc),
  };
}

export async function openSubjects(db: Executor, keys: KeyRing, rows: SubjectRecord[]): Promise<Subject[]> {
  const ks = await keysOfSubjects(db, keys, rows.map((r) => r.id));
  return rows.map((r) => openSubject(r, ks.get(r.id)));
}

/** Inserts subjects, each with a fresh key of its own, in the caller's transaction. */
export async function insertSubjects(db: Executor, keys: KeyRing, values: NewSubject[]): Promise<Subject[]> {
  if (values.length === 0) return [];
  const prepared = values.map((v) => ({ id: v.id ?? crypto.randomUUID(), v, pending: prepareSubjectKey(keys) }));
  const rows = await db
    .insert(subjects)
    .values(prepared.map(({ id, v, pending }) => {
      const { plain, rest } = split(v);
      return { ...rest, id, ...sealedColumns(keys, pending, plain) } as typeof subjects.$inferInsert;
    }))
    .returning();
  await storeSubjectKeys(db, prepared.map((p) => ({ orgId: p.v.orgId, subjectId: p.id, pending: p.pending })));
  const byId = new Map(prepared.map((p) => [p.id, p.pending]));
  return rows.map((r) => openSubject(r, byId.get(r.id)));
}

export async function insertSubject(db: Executor, keys: KeyRing, value: NewSubject): Promise<Subject> {
  return (await insertSubjects(db, keys, [value]))[0]!;
}

/** Inserts a subject unless the address (or platform id) is taken; undefined when it was. */
export async function insertSubjectIfFree(db: Executor, keys: KeyRing, value: NewSubject): Promise<Subject | undefined> {
  const id = crypto.randomUUID();
  const pending = prepareSubjectKey(keys);
  const { plain, rest } = split(value);
  const [row] = await db.insert(subjects).values({ ...rest, id, ...sealedColumns(keys, pending, plain) } as typeof subjects.$inferInsert).onConflictDoNothing().returning();
  if (!row) return undefined;
  await storeSubjectKeys(db, [{ orgId: value.orgId, subjectId: id, pending }]);
  return openSubject(row, pending);
}

/** Updates a subject; profile fields are sealed under its key. Undefined if it is gone. */
export async function updateSubject(db: Executor, keys: KeyRing, subjectId: string, patch: SubjectPatch): Promise<Subject | undefined> {
  const { plain, rest } = split(patch);
  const needsKey = Object.values(plain).some((v) => v !== undefined);
  const key = needsKey ? await keyOfSubject(db, keys, subjectId) : undefined;
  if (needsKey && !key) return undefined;
  const set = { ...rest, ...(key ? sealedColumns(keys, key, plain) : {}) } as Partial<typeof subjects.$inferInsert>;
  const [row] = Object.keys(set).length
    ? await db.update(subjects).set(set).where(eq(subjects.id, subjectId)).returning()
    : await db.select().from(subjects).where(eq(subjects.id, subjectId));
  return row ? openSubject(row, key ?? (await keyOfSubject(db, keys, subjectId))) : undefined;
}

export async function subjectById(db: Executor, keys: KeyRing, subjectId: string | null | undefined, opts: { lock?: boolean; orgId?: string } = {}): Promise<Subject | undefined> {
  if (!subjectId) return undefined;
  const where = opts.orgId ? and(eq(subjects.id, subjectId), eq(subjects.orgId, opts.orgId)) : eq(subjects.id, subjectId);
  const query = db.select().from(subjects).where(where);
  const [row] = opts.lock ? await query.for("update") : await query;
  return row ? (await openSubjects(db, keys, [row]))[0] : undefined;
}

/** The subject with this address in this organization (found by its blind index). */
export async function subjectByEmail(db: Executor, keys: KeyRing, orgId: string, email: string): Promise<Subject | undefined> {
  const [row] = await db.select().from(subjects).where(and(eq(subjects.orgId, orgId), eq(subjects.emailIndex, emailIndexOf(keys, email)))).limit(1);
  return row ? (await openSubjects(db, keys, [row]))[0] : undefined;
}

export async function subjectByExternalId(db: Executor, keys: KeyRing, orgId: string, externalId: string): Promise<Subject | undefined> {
  const [row] = await db.select().from(subjects).where(and(eq(subjects.orgId, orgId), eq(subjects.externalIdIndex, externalIdIndexOf(keys, externalId)))).limit(1);
  return row ? (await openSubjects(db, keys, [row]))[0] : undefined;
}

/** Ids of the subjects with these platform ids, by platform id. */
export async function subjectIdsByExternalIds(db: Executor, keys: KeyRing, orgId: string, externalIds: string[]): Promise<Map<string, string>> {
  const byIndex = new Map([...new Set(externalIds)].map((x) => [externalIdIndexOf(keys, x), x]));
  const out = new Map<string, string>();
  if (byIndex.size === 0) return out;
  const rows = await db.select({ id: subjects.id, index: subjects.externalIdIndex }).from(subjects)
    .where(and(eq(subjects.orgId, orgId), inArray(subjects.externalIdIndex, [...byIndex.keys()])));
  for (const r of rows) out.set(byIndex.get(r.index!)!, r.id);
  return out;
}

/** Which of these addresses already belong to a subject of the organization. */
export async function takenEmails(db: Executor, keys: KeyRing, orgId: string, emails: string[]): Promise<Set<string>> {
  const byIndex = new Map([...new Set(emails)].map((x) => [emailIndexOf(keys, x), x]));
  if (byIndex.size === 0) return new Set();
  const rows = await db.select({ index: subjects.emailIndex }).from(subjects)
    .where(and(eq(subjects.orgId, orgId), inArray(subjects.emailIndex, [...byIndex.keys()])));
  return new Set(rows.map((r) => byIndex.get(r.index!)!));
}

/** The subject's address for a notice, or null (none, another organization's, or erased). */
export async function emailOfSubject(db: Executor, keys: KeyRing, subjectId: string | null | undefined, orgId?: string): Promise<string | null> {
  if (!subjectId) return null;
  const where = orgId ? and(eq(subjects.id, subjectId), eq(subjects.orgId, orgId)) : eq(subjects.id, subjectId);
  const [row] = await db.select({ emailEnc: subjects.emailEnc }).from(subjects).where(where);
  if (!row?.emailEnc) return null;
  return openField(await keyOfSubject(db, keys, subjectId), FIELDS.email, row.emailEnc);
}
