import { asc, desc, gt, sql } from "drizzle-orm";
import type { Db, Executor, Tx } from "../db/client.js";
import { auditLog } from "../db/schema/index.js";
import type { Clock } from "../context.js";
import { sha256Hex, type KeyRing } from "./crypto.js";

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
  /** Never message bodies, codes, passwords or tokens. */
  details?: Record<string, unknown>;
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
  const body = canonicalJson([
    row.seq, row.at.toISOString(), row.orgId, row.actorType, row.actorId, row.actorRole, row.action,
    row.targetType, row.targetId, row.subjectId, row.ipPseudonym, row.details,
  ]);
  return sha256Hex(`${row.prevHash}\n${body}`);
}

export function pseudonymizeIp(keys: KeyRing, ip: string | undefined): string | null {
  return ip ? `ip:${keys.keyedHash("ip", ip).slice(0, 16)}` : null;
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
  | { ok: true; checked: number }
  | { ok: false; checked: number; seq: number; reason: "altered" | "missing_or_reordered" | "broken_link" };

/** Walks the chain in order; reports the first entry that is altered, missing or out of place. */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<ChainCheck> {
  let prevHash = GENESIS;
  let expectedSeq = 1;
  let checked = 0;
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
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < batchSize) return { ok: true, checked };
  }
}
