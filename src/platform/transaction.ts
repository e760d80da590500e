import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { AppContext } from "../context.js";
import type { Executor, Tx } from "../db/client.js";

/**
 * Whether this executor is an open transaction (rather than the database itself). drizzle's
 * `is` compares entity kinds, not prototypes: the driver modules may load their own copy of pg-core.
 */
export function isTransaction(db: Executor): db is Tx {
  return is(db, PgTransaction);
}

/**
 * Runs `fn` in a transaction: the caller's own when `ctx.db` already is one (a use case called by
 * another inside its transaction joins it, so both commit or roll back together), else a new one.
 * `fn` gets a context whose `db` is that transaction, so everything it calls writes through it.
 */
export function inTransaction<T>(ctx: AppContext, fn: (tx: Tx, txCtx: AppContext) => Promise<T>): Promise<T> {
  if (isTransaction(ctx.db)) return fn(ctx.db, ctx);
  return ctx.db.transaction((tx) => fn(tx, { ...ctx, db: tx as unknown as AppContext["db"] }));
}
