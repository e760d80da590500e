import { and, asc, desc, eq, gt, lte, sql, type SQL } from "drizzle-orm";
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
/** With the chain's hashtext, the key of the advisory lock that gives one chain one order, on every instance. */
const AUDIT_LOCK = 7_202_301;

/**
 * Each organization has its own hash chain, so organizations neither wait for each other's appends
 * nor share a pruning prefix; events of no organization (key rotation, data migrations) form the
 * chain "platform". Entries written while there was one chain for all keep their hashes in the
 * chain "legacy" (migration 0016 set chain_seq = seq). Why not re-chain them per organization: that
 * would rewrite every old hash, so the old entries would be vouched for only by the migration that
 * rewrote them, and any hash an operator had noted elsewhere would stop matching. Kept as they
 * were, they verify exactly as before; the legacy chain is only pruned from its oldest end (its
 * attestation goes to the platform chain, since nothing is appended to it any more).
 */
export const LEGACY_CHAIN = "legacy";
export const PLATFORM_CHAIN = "platform";

export function chainOf(orgId: string | null | undefined): string {
  return orgId ?? PLATFORM_CHAIN;
}

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
  // An entry of a per-organization chain also binds its chain and place in it; legacy entries hash as written.
  if (row.chain !== LEGACY_CHAIN) fields.push({ chain: row.chain, chainSeq: row.chainSeq });
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
  const chain = chainOf(input.orgId);
  await lockChain(tx, chain);
  const last = await chainHead(tx, chain);
  const row = {
    // Taken under the chain's lock, so within a chain seq grows with chain_seq.
    seq: await nextGlobalSeq(tx),
    chain,
    chainSeq: (last?.chainSeq ?? 0) + 1,
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

/**
 * The chain's newest entry; when retention removed every entry, the newest anchor (the pruning
 * entry that follows it continues the chain from there).
 */
async function chainHead(tx: Tx, chain: string): Promise<{ chainSeq: number; hash: string } | undefined> {
  const [last] = await tx.select({ chainSeq: auditLog.chainSeq, hash: auditLog.hash }).from(auditLog)
    .where(eq(auditLog.chain, chain)).orderBy(desc(auditLog.chainSeq)).limit(1);
  if (last) return last;
  const [anchor] = await tx.select({ chainSeq: auditAnchors.seq, hash: auditAnchors.hash }).from(auditAnchors)
    .where(eq(auditAnchors.chain, chain)).orderBy(desc(auditAnchors.seq)).limit(1);
  return anchor;
}

/** Appends to one chain wait for each other; appends to different chains (organizations) do not. */
async function lockChain(tx: Tx, chain: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK}, hashtext(${chain}))`);
}

async function nextGlobalSeq(tx: Tx): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(await tx.execute(sql`select nextval(pg_get_serial_sequence('audit_log', 'seq')) as n`));
  return Number(row!.n);
}

/** For events that change nothing else (a failed sign-in): its own short transaction. */
export function recordAudit(deps: { db: Db; clock: Clock; keys: KeyRing }, input: AuditInput): Promise<number> {
  return deps.db.transaction((tx) => appendAudit(tx, deps, input));
}

export type ChainCheck =
  | { ok: true; checked: number; anchoredAt?: number }
  | { ok: false; checked: number; seq: number; reason: "altered" | "missing_or_reordered" | "broken_link" | "unattested_anchor"; chain?: string };

/** The audit entry that retention writes when it removes the oldest entries; it vouches for the anchor. */
export const AUDIT_PRUNED_ACTION = "audit.pruned";

type Anchor = typeof auditAnchors.$inferSelect;

/**
 * Where the kept chain must start: position 1 after the genesis hash, or right after the anchor
 * that retention left when it removed the oldest entries. An entry missing before the first kept
 * one, with no anchor for exactly that place, is reported as missing. Positions are chain_seq.
 */
async function chainStart(db: Executor, chain: string): Promise<{ seq: number; prevHash: string; anchor?: Anchor } | { missing: number }> {
  const [first] = await db.select({ seq: auditLog.chainSeq }).from(auditLog).where(eq(auditLog.chain, chain)).orderBy(asc(auditLog.chainSeq)).limit(1);
  const anchors = await db.select().from(auditAnchors)
    .where(and(eq(auditAnchors.chain, chain), lte(auditAnchors.seq, (first?.seq ?? Number.MAX_SAFE_INTEGER) - 1)))
    .orderBy(desc(auditAnchors.seq)).limit(1);
  const anchor = anchors[0];
  if (!first) return anchor ? { seq: anchor.seq + 1, prevHash: anchor.hash, anchor } : { seq: 1, prevHash: GENESIS };
  if (first.seq === 1) return { seq: 1, prevHash: GENESIS };
  if (anchor && anchor.seq === first.seq - 1) return { seq: first.seq, prevHash: anchor.hash, anchor };
  return { missing: (anchor?.seq ?? 0) + 1 };
}

/** An entry that vouches for an anchor: the legacy chain's older ones name no chain (they were in it). */
const attests = (row: AuditRow, anchor: Anchor) =>
  row.action === AUDIT_PRUNED_ACTION && row.actorType === "system" && (row.details.chain ?? LEGACY_CHAIN) === anchor.chain &&
  (row.chain !== anchor.chain || row.chainSeq > anchor.seq) &&
  row.details.anchorSeq === anchor.seq && row.details.anchorHash === anchor.hash && row.details.removedCount === anchor.removedCount;

/** The legacy chain takes no entries any more: what vouches for its anchors is in the platform chain. */
async function attestedElsewhere(db: Executor, chain: string, anchor: Anchor): Promise<boolean> {
  if (chain !== LEGACY_CHAIN) return false;
  const rows = await db.select().from(auditLog)
    .where(and(eq(auditLog.chain, PLATFORM_CHAIN), eq(auditLog.action, AUDIT_PRUNED_ACTION), sql`${auditLog.details}->>'chain' = ${chain}`));
  return rows.some((row) => attests(row, anchor));
}

/**
 * Walks one chain in order; reports the first entry that is altered, missing or out of place. A
 * chain whose oldest entries retention removed starts at an anchor; the anchor counts only if a
 * kept entry vouches for it, so rows deleted by hand plus a forged anchor row still fail.
 */
export async function verifyChain(db: Executor, chain: string, batchSize = 5000): Promise<ChainCheck> {
  const start = await chainStart(db, chain);
  if ("missing" in start) return { ok: false, checked: 0, seq: start.missing, reason: "missing_or_reordered", chain };
  let prevHash = start.prevHash;
  let expectedSeq = start.seq;
  let checked = 0;
  let attested = !start.anchor;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.chain, chain), gt(auditLog.chainSeq, expectedSeq - 1)))
      .orderBy(asc(auditLog.chainSeq))
      .limit(batchSize);
    for (const row of rows) {
      if (row.chainSeq !== expectedSeq) return { ok: false, checked, seq: expectedSeq, reason: "missing_or_reordered", chain };
      if (row.prevHash !== prevHash) return { ok: false, checked, seq: row.chainSeq, reason: "broken_link", chain };
      if (entryHash(row) !== row.hash) return { ok: false, checked, seq: row.chainSeq, reason: "altered", chain };
      if (!attested && attests(row, start.anchor!)) attested = true;
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < batchSize) break;
  }
  if (!attested && !(await attestedElsewhere(db, chain, start.anchor!))) return { ok: false, checked, seq: start.seq, reason: "unattested_anchor", chain };
  return start.anchor ? { ok: true, checked, anchoredAt: start.anchor.seq } : { ok: true, checked };
}

/** Every chain that has entries or anchors: legacy first, then platform, then organizations. */
export async function auditChains(db: Executor): Promise<string[]> {
  const rows = rowsOf<{ chain: string }>(await db.execute(sql`select chain from audit_log group by chain union select chain from audit_anchors group by chain`));
  const rank = (c: string) => (c === LEGACY_CHAIN ? 0 : c === PLATFORM_CHAIN ? 1 : 2);
  return rows.map((r) => r.chain).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Each chain's own result, in auditChains order. */
export async function verifyAuditChains(db: Executor): Promise<{ chain: string; result: ChainCheck }[]> {
  const out: { chain: string; result: ChainCheck }[] = [];
  for (const chain of await auditChains(db)) out.push({ chain, result: await verifyChain(db, chain) });
  return out;
}

/**
 * One answer for all chains: the first broken chain's result (naming it), else the total checked —
 * a single chain's result as it is, anchor included.
 */
export async function verifyAuditChain(db: Executor): Promise<ChainCheck> {
  const results = await verifyAuditChains(db);
  const broken = results.find((r) => !r.result.ok);
  if (broken) return broken.result;
  if (results.length === 1) return results[0]!.result;
  return { ok: true, checked: results.reduce((n, r) => n + r.result.checked, 0) };
}

/**
 * Removes the oldest entries of one chain for retention, in the caller's transaction: the longest
 * prefix (at most `limit` entries) for which `removable` holds, a boolean over alias `a`. Leaves an
 * anchor (the last removed entry's position and hash) and appends an entry that vouches for it
 * (in the chain itself; for the legacy chain, in the platform chain), so the kept chain still
 * verifies and a quiet deletion does not. Returns how many entries went.
 */
export async function pruneAuditPrefix(tx: Tx, deps: { clock: Clock; keys: KeyRing }, removable: SQL, limit: number, chain: string): Promise<number> {
  await lockChain(tx, chain);
  const head = rowsOf<{ seq: number | string; hash: string; removable: boolean | string }>(
    await tx.execute(sql`select a.chain_seq as seq, a.hash, (${removable}) as removable from audit_log a where a.chain = ${chain} order by a.chain_seq limit ${limit}`),
  );
  let last: { seq: number; hash: string } | undefined;
  for (const row of head) {
    if (!(row.removable === true || row.removable === "t")) break;
    last = { seq: Number(row.seq), hash: row.hash };
  }
  if (!last) return 0;
  const removed = await tx.delete(auditLog).where(and(eq(auditLog.chain, chain), lte(auditLog.chainSeq, last.seq))).returning({ seq: auditLog.seq });
  await tx.insert(auditAnchors).values({ chain, seq: last.seq, hash: last.hash, at: deps.clock.now(), removedCount: removed.length });
  await appendAudit(tx, deps, {
    orgId: chain === LEGACY_CHAIN || chain === PLATFORM_CHAIN ? null : chain,
    actor: systemActor, action: AUDIT_PRUNED_ACTION, target: { type: "audit_anchor", id: String(last.seq) },
    details: { chain, anchorSeq: last.seq, anchorHash: last.hash, removedCount: removed.length },
  });
  return removed.length;
}
