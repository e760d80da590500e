/**
 * How a person proved by strong eID is kept: the national identifier only as a keyed blind index,
 * the name from the provider only sealed, to show staff for the verification.
 */
import { eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { dataKeys, eidIdentities } from "../db/schema/index.js";
import { open, seal, type KeyRing } from "../platform/crypto.js";

/**
 * The blind index of a person identifier: HMAC under a key derived from the master key, bound to
 * the organization (the same person at two helplines cannot be correlated from the tables).
 */
export function eidIdentifierIndex(keys: KeyRing, orgId: string, identifier: string): string {
  return keys.keyedHash("eid-person-identifier", `${orgId}\0${identifier.trim().toUpperCase()}`);
}

const nameAad = (identityId: string) => `eid-name:${identityId}`;

/**
 * Seals the name from the provider. FOR NOW under a data key of the eID identity's own (a row of
 * data_keys, wrapped by the master key: deleting it shreds the name); meant to move under the
 * subject's data key once per-subject keys exist — this function and openNameFromProvider are
 * the only places to rewire.
 */
export async function sealNameFromProvider(
  db: Executor, keys: KeyRing, identity: { id: string; dataKeyId: string | null }, name: string,
): Promise<{ nameEnc: string; dataKeyId: string }> {
  let dataKeyId = identity.dataKeyId;
  let key: Buffer | undefined;
  if (dataKeyId) {
    const [row] = await db.select().from(dataKeys).where(eq(dataKeys.id, dataKeyId));
    if (row) key = keys.unwrapDataKey(row.wrappedKey);
  }
  if (!key) {
    const fresh = keys.newDataKey();
    const [row] = await db.insert(dataKeys).values({ wrappedKey: fresh.wrapped }).returning({ id: dataKeys.id });
    dataKeyId = row!.id;
    key = fresh.key;
  }
  return { nameEnc: seal(key, name, nameAad(identity.id)).toString("base64"), dataKeyId: dataKeyId! };
}

/** The name as the provider gave it, for staff verifying a request; undefined if shredded or never given. */
export async function openNameFromProvider(db: Executor, keys: KeyRing, identityId: string): Promise<string | undefined> {
  const [identity] = await db.select().from(eidIdentities).where(eq(eidIdentities.id, identityId));
  if (!identity?.nameEnc || !identity.dataKeyId) return undefined;
  const [row] = await db.select().from(dataKeys).where(eq(dataKeys.id, identity.dataKeyId));
  if (!row) return undefined;
  return open(keys.unwrapDataKey(row.wrappedKey), Buffer.from(identity.nameEnc, "base64"), nameAad(identity.id)).toString("utf8");
}

/** What staff see of the eID behind a request: the provider, the level and the name (to verify). */
export async function eidIdentityForStaff(db: Executor, keys: KeyRing, identityId: string) {
  const [identity] = await db.select().from(eidIdentities).where(eq(eidIdentities.id, identityId));
  if (!identity) return undefined;
  return { provider: identity.provider, acr: identity.lastAcr, linkedBy: identity.linkedBy, name: await openNameFromProvider(db, keys, identityId) };
}
