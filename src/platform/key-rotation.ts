import { sql, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { rowsOf, type Executor } from "../db/client.js";
import { appendAudit, systemActor } from "./audit.js";
import { currentWrapPrefix } from "./crypto.js";

/**
 * One column (or one field of a jsonb column) holding values wrapped by the master key. The
 * rotation reads this list only: a new table of wrapped keys is one more entry.
 */
export interface WrappedColumn {
  /** Names the entry in counts, the audit and the command's output. */
  name: string;
  table: string;
  /** Primary key column (default "id"). */
  key?: string;
  column: string;
  /** bytea: the wrapped bytes; base64: text holding them in base64 (sealWithMaster). */
  encoding: "bytea" | "base64";
  /** The value is this field of a jsonb column. */
  jsonField?: string;
  /** Column with the organization's id, for an aad that names it (default none). */
  orgColumn?: string;
  /** The additional data the value was wrapped with (crypto.ts: "data-key", `secret:${purpose}`…). */
  aad: (row: { orgId: string | null; key: string }) => string;
}

export interface RotationOptions {
  batchSize?: number;
  /** Called after each committed batch (tests interrupt the rotation here). */
  afterBatch?: (entry: string, rewrapped: number) => void | Promise<void>;
}

export interface RotationResult {
  keyId: string;
  /** Rewrapped in this run, per entry. */
  rewrapped: Record<string, number>;
  /** Still not under the current key (locked by someone else meanwhile): run again. */
  remaining: number;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

function valueOf(c: WrappedColumn): SQL {
  return c.jsonField ? sql`${ident(c.column)}->>${c.jsonField}` : ident(c.column);
}

/** Rows whose value is not under the current master key (another key id, or the format before key ids). */
function notCurrent(c: WrappedColumn, prefix: string): SQL {
  const bytes = c.encoding === "bytea" ? valueOf(c) : sql`decode(${valueOf(c)}, 'base64')`;
  return sql`${valueOf(c)} is not null and encode(substring(${bytes} from 1 for 5), 'hex') <> ${prefix}`;
}

function toBuffer(c: WrappedColumn, v: unknown): Buffer {
  if (c.encoding === "base64") return Buffer.from(String(v), "base64");
  return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
}

function assignment(c: WrappedColumn, wrapped: Buffer): SQL {
  if (c.encoding === "bytea") return sql`${ident(c.column)} = ${wrapped}`;
  const text = wrapped.toString("base64");
  return c.jsonField
    ? sql`${ident(c.column)} = jsonb_set(${ident(c.column)}, ${`{${c.jsonField}}`}::text[], to_jsonb(${text}::text))`
    : sql`${ident(c.column)} = ${text}`;
}

/** One short transaction: lock up to batchSize rows not yet rewrapped (skipping rows others hold), rewrap, audit the count. */
async function rewrapBatch(ctx: AppContext, c: WrappedColumn, batchSize: number): Promise<number> {
  const prefix = currentWrapPrefix(ctx.keys);
  const key = ident(c.key ?? "id");
  const org = c.orgColumn ? sql`${ident(c.orgColumn)}::text` : sql`null`;
  return ctx.db.transaction(async (tx) => {
    const rows = rowsOf<{ k: string; org: string | null; v: unknown }>(await tx.execute(sql`
      select ${key}::text as k, ${org} as org, ${valueOf(c)} as v from ${ident(c.table)}
      where ${notCurrent(c, prefix)} order by ${key} limit ${batchSize} for update skip locked`));
    for (const row of rows) {
      const wrapped = ctx.keys.rewrap(toBuffer(c, row.v), c.aad({ orgId: row.org, key: row.k }));
      await tx.execute(sql`update ${ident(c.table)} set ${assignment(c, wrapped)} where ${key}::text = ${row.k}`);
    }
    if (rows.length > 0) {
      await appendAudit(tx, ctx, { orgId: null, actor: systemActor, action: "keys.rewrapped", details: { kind: c.name, count: rows.length, keyId: ctx.keys.currentKeyId } });
    }
    return rows.length;
  });
}

/** How many values of the list are not yet under the current master key. */
export async function pendingRewraps(db: Executor, keysPrefix: string, columns: readonly WrappedColumn[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of columns) {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${ident(c.table)} where ${notCurrent(c, keysPrefix)}`));
    out[c.name] = Number(row?.n ?? 0);
  }
  return out;
}

/**
 * Rewraps every value of the list under the current master key (MASTER_KEY), opening each with
 * whichever key of the ring it is under. Batches are short transactions, so the portal keeps
 * serving; what is done stays done, so an interrupted run resumes where it stopped, and a
 * finished one finds nothing to do. Audited per batch and at the end, with counts only.
 */
export async function rotateMasterKey(ctx: AppContext, columns: readonly WrappedColumn[], opts: RotationOptions = {}): Promise<RotationResult> {
  const batchSize = opts.batchSize ?? 500;
  const rewrapped: Record<string, number> = {};
  for (const c of columns) {
    let done = 0;
    for (;;) {
      const n = await rewrapBatch(ctx, c, batchSize);
      if (n === 0) break;
      done += n;
      rewrapped[c.name] = done;
      await opts.afterBatch?.(c.name, n);
    }
    rewrapped[c.name] = done;
  }
  const pending = await pendingRewraps(ctx.db, currentWrapPrefix(ctx.keys), columns);
  const remaining = Object.values(pending).reduce((a, b) => a + b, 0);
  await ctx.db.transaction((tx) => appendAudit(tx, ctx, {
    orgId: null, actor: systemActor, action: remaining === 0 ? "keys.rotation_completed" : "keys.rotation_incomplete",
    details: { keyId: ctx.keys.currentKeyId, rewrapped, remaining },
  }));
  return { keyId: ctx.keys.currentKeyId, rewrapped, remaining };
}
