import { and, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { ingestTombstones } from "../db/schema/index.js";
import type { KeyRing } from "../platform/crypto.js";

export type TombstoneKind = "conversation" | "subject";

const hashOf = (keys: KeyRing, kind: TombstoneKind, externalId: string) => keys.keyedHash(`ingest-tombstone:${kind}`, externalId);

/**
 * Remembers that the platform record with this external id was deleted (erasure or retention), so
 * a replayed or late delivery cannot bring it back. Only a keyed hash of the id is kept.
 */
export async function recordIngestTombstone(db: Executor, keys: KeyRing, orgId: string, kind: TombstoneKind, externalId: string | null): Promise<void> {
  if (!externalId) return;
  await db
    .insert(ingestTombstones)
    .values({ orgId, kind, externalIdHash: hashOf(keys, kind, externalId) })
    .onConflictDoNothing();
}

export async function isIngestTombstoned(db: Executor, keys: KeyRing, orgId: string, kind: TombstoneKind, externalId: string): Promise<boolean> {
  const rows = await db
    .select({ orgId: ingestTombstones.orgId })
    .from(ingestTombstones)
    .where(and(eq(ingestTombstones.orgId, orgId), eq(ingestTombstones.kind, kind), eq(ingestTombstones.externalIdHash, hashOf(keys, kind, externalId))))
    .limit(1);
  return rows.length > 0;
}

/** Several at once (retention deletes in batches): one INSERT instead of one per id. */
export async function recordIngestTombstones(db: Executor, keys: KeyRing, orgId: string, kind: TombstoneKind, externalIds: (string | null)[]): Promise<void> {
  const hashes = [...new Set(externalIds.filter((x): x is string => !!x).map((x) => hashOf(keys, kind, x)))];
  if (hashes.length === 0) return;
  await db.insert(ingestTombstones).values(hashes.map((externalIdHash) => ({ orgId, kind, externalIdHash }))).onConflictDoNothing();
}
