import { asc, desc, gt, lte, sql, type SQL } from "drizzle-orm";
import { rowsOf, type Db, type Executor, type Tx } from "../db/client.js";
import { auditAnchors, auditLog } from "../db/schema/index.js";
import type { Clock } from "../context.js";
import { sha256Hex, type KeyRing } from "./crypto.js";
import { keyOfSubject, openJson, sealJson } from "./subject-keys.js";

export interface Actor {
  type: "subject" | "staff" | "system" | "api" | "anonymous";
  id?: string | null;
  role?: string | null;
}

export const systemActor: Actor = { type: "system" };

export interface AuditInput {
  orgId?: string | null;
  actor: Actor;
  action: string;
  target?: { type: string; id: string };
  subjectId?: string | null;
  /** Never message bodies, codes, passwords or tokens, nor any personal value (see `personal`). */
  details?: Record<string, unknown>;
  /**
   * Personal values the entry must record (a rectification's old and new value): sealed under the
   * key of `subjectId` into details_enc, so they die with that key while the chain, which hashes
   * the ciphertext, still verifies. Without a subject key they are not recorded at all.
   */
  personal?: Record<string, unknown>;
  ip?: string;
}

type AuditRow = typeof auditLog.$inferSelect;

const GENESIS = "0".repeat(64);
/** One advisory lock serializes appends so the chain has one order, on every instance. */
const AUDIT_LOCK = 7_202_301;

/** JSON with sorted keys, so jsonb's key reordering never changes a hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value ?? null);
}

export function entryHash(row: Omit<AuditRow, "hash">): string {
  const fields: unknown[] = [
    row.seq, row.at.toISOString(), row.orgId, row.actorType, row.actorId, row.actorRole, row.action,
    row.targetType, row.targetId, row.subjectId, row.ipPseudonym, row.details,
  ];
  // The sealed details count as their ciphertext: shredding the key leaves the hash intact.
  // Entries without them hash as they always did.
  if (row.detailsEnc) fields.push(row.detailsEnc.toString("base64"));
  const body = canonicalJson(fields);
  return sha256Hex(`${row.prevHash}\n${body}`);
}

export function pseudonymizeIp(keys: KeyRing, ip: string | undefined): string | null {
  return ip ? `ip:${keys.keyedHash("ip", ip).slice(0, 16)}` : null;
}

async function sealPersonal(tx: Tx, keys: KeyRing, input: AuditInput): Promise<Buffer | null> {
  if (!input.personal || !input.subjectId) return null;
  const key = await keyOfSubject(tx, keys, input.subjectId);
  return key ? sealJson(key, "audit-details", input.personal) : null;
}

/** The sealed personal values of an entry, or null once the subject's key is gone. */
export async function openAuditPersonal(db: Executor, keys: KeyRing, row: Pick<AuditRow, "subjectId" | "detailsEnc">): Promise<Record<string, unknown> | null> {
  if (!row.detailsEnc || !row.subjectId) return null;
  return openJson<Record<string, unknown>>(await keyOfSubject(db, keys, row.subjectId), "audit-details", row.detailsEnc);
}

/** Appends an entry inside the caller's transaction: the change and its record commit together. */
export async function appendAudit(
  tx: Tx,
  deps: { clock: Clock; keys: KeyRing },
  input: AuditInput,
): Promise<number> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  const row = {
    seq: (last?.seq ?? 0) + 1,
    at: deps.clock.now(),
    orgId: input.orgId ?? null,
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    actorRole: input.actor.role ?? null,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    subjectId: input.subjectId ?? null,
    ipPseudonym: pseudonymizeIp(deps.keys, input.ip),
    details: JSON.parse(canonicalJson(input.details ?? {})) as Record<string, unknown>,
    detailsEnc: await sealPersonal(tx, deps.keys, input),
    prevHash: last?.hash ?? GENESIS,
  };
  await tx.insert(auditLog).values({ ...row, hash: entryHash(row) });
  return row.seq;
}

/** For events that change nothing else (a failed sign-in): its own short transaction. */
export function recordAudit(deps: { db: Db; clock: Clock; keys: KeyRing }, input: AuditInput): Promise<number> {
  return deps.db.transaction((tx) => appendAudit(tx, deps, input));
}

export type ChainCheck =
  | { ok: true; checked: number; anchoredAt?: number }
  | { ok: false; checked: number; seq: number; reason: "altered" | "missing_or_reordered" | "broken_link" | "unattested_anchor" };

/** The audit entry that retention writes when it removes the oldest entries; it vouches for the anchor. */
export const AUDIT_PRUNED_ACTION = "audit.pruned";

type Anchor = typeof auditAnchors.$inferSelect;

/**
 * Where the kept chain must start: seq 1 after the genesis hash, or right after the anchor that
 * retention left when it removed the oldest entries. An entry missing before the first kept one,
 * with no anchor for exactly that place, is reported as missing.
 */
async function chainStart(db: Executor): Promise<{ seq: number; prevHash: string; anchor?: Anchor } | { missing: number }> {
  const [first] = await db.select({ seq: auditLog.seq }).from(auditLog).orderBy(asc(auditLog.seq)).limit(1);
  const anchors = await db.select().from(auditAnchors).where(lte(auditAnchors.seq, (first?.seq ?? Number.MAX_SAFE_INTEGER) - 1)).orderBy(desc(auditAnchors.seq)).limit(1);
  const anchor = anchors[0];
  if (!first) return anchor ? { seq: anchor.seq + 1, prevHash: anchor.hash, anchor } : { seq: 1, prevHash: GENESIS };
  if (first.seq === 1) return { seq: 1, prevHash: GENESIS };
  if (anchor && anchor.seq === first.seq - 1) return { seq: first.seq, prevHash: anchor.hash, anchor };
  return { missing: (anchor?.seq ?? 0) + 1 };
}

const attests = (row: AuditRow, anchor: Anchor) =>
  row.action === AUDIT_PRUNED_ACTION && row.actorType === "system" && row.seq > anchor.seq &&
  row.details.anchorSeq === anchor.seq && row.details.anchorHash === anchor.hash && row.details.removedCount === anchor.removedCount;

/**
 * Walks the chain in order; reports the first entry that is altered, missing or out of place. A
 * chain whose oldest entries retention removed starts at an anchor; the anchor counts only if a
 * kept entry of the chain itself vouches for it, so rows deleted by hand plus a forged anchor
 * row still fail.
 */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<ChainCheck> {
  const start = await chainStart(db);
  if ("missing" in start) return { ok: false, checked: 0, seq: start.missing, reason: "missing_or_reordered" };
  let prevHash = start.prevHash;
  let expectedSeq = start.seq;
  let checked = 0;
  let attested = !start.anchor;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expectedSeq - 1))
      .orderBy(asc(auditLog.seq))
      .limit(batchSize);
    for (const row of rows) {
      if (row.seq !== expectedSeq) return { ok: false, checked, seq: expectedSeq, reason: "missing_or_reordered" };
      if (row.prevHash !== prevHash) return { ok: false, checked, seq: row.seq, reason: "broken_link" };
      if (entryHash(row) !== row.hash) return { ok: false, checked, seq: row.seq, reason: "altered" };
      if (!attested && attests(row, start.anchor!)) attested = true;
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < batchSize) break;
  }
  if (!attested) return { ok: false, checked, seq: start.seq, reason: "unattested_anchor" };
  return start.anchor ? { ok: true, checked, anchoredAt: start.anchor.seq } : { ok: true, checked };
}

/**
 * Removes the oldest entries for retention, in the caller's transaction: the longest prefix (at
 * most `limit` entries) for which `removable` holds, a boolean over alias `a`. Leaves an anchor
 * (the last removed entry's seq and hash) and appends an entry that vouches for it, so the kept
 * chain still verifies and a quiet deletion does not. Returns how many entries went.
 */
export async function pruneAuditPrefix(tx: Tx, deps: { clock: Clock; keys: KeyRing }, removable: SQL, limit: number): Promise<number> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const head = rowsOf<{ seq: number | string; hash: string; removable: boolean | string }>(
    await tx.execute(sql`select a.seq, a.hash, (${removable}) as removable from audit_log a order by a.seq limit ${limit}`),
  );
  let last: { seq: number; hash: string } | undefined;
  for (const row of head) {
    if (!(row.removable === true || row.removable === "t")) break;
    last = { seq: Number(row.seq), hash: row.hash };
  }
  if (!last) return 0;
  const removed = await tx.delete(auditLog).where(lte(auditLog.seq, last.seq)).returning({ seq: auditLog.seq });
  await tx.insert(auditAnchors).values({ seq: last.seq, hash: last.hash, at: deps.clock.now(), removedCount: removed.length });
  await appendAudit(tx, deps, {
    actor: systemActor, action: AUDIT_PRUNED_ACTION, target: { type: "audit_anchor", id: String(last.seq) },
    details: { anchorSeq: last.seq, anchorHash: last.hash, removedCount: removed.length },
  });
  return removed.length;
}

