import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema/index.js";
import { ensurePrivateDir, lockDataDir, tightenDataDir, useOwnerOnlyFileModes, type ProcessRole } from "./data-dir.js";

export type Schema = typeof schema;
/** Both engines' drizzle databases share this shape, so every use case runs on either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything that can run a query: the database or an open transaction. */
export type Executor = Db | Tx;

/** The rows of a raw `execute()`, whichever engine answered (result object or plain array). */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

export interface Database {
  db: Db;
  engine: "pglite" | "postgres";
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/**
 * PGlite's PostgreSQL allocates shared_buffers inside the WASM heap and Emscripten zero-fills
 * that allocation, so all of it is resident from the start: the default 128 MB was half the idle
 * portal's RSS. 16 MB holds an embedded deployment's working set (PGlite reads its files through
 * the OS page cache besides); `npm run bench:memory` prints what the portal holds.
 */
const PGLITE_SHARED_BUFFERS = "16MB";

/** PGlite persisted in a folder (or in memory with `memory://`). */
export async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite, types } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const onDisk = !dataDir.startsWith("memory://");
  if (onDisk) ensurePrivateDir(dataDir);
  const fresh = onDisk && !fs.existsSync(path.join(dataDir, "PG_VERSION"));
  const client = await PGlite.create(dataDir, {
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    // PGlite's own bytea codec converts hex one byte at a time (parseInt per pair): it was most of
    // an export's time on PGlite (bench:export). Buffer's native hex codec does the same faster.
    parsers: { [types.BYTEA]: (hex: string) => Buffer.from(hex.slice(2), "hex") },
    serializers: { [types.BYTEA]: (bytes: Uint8Array) => `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}` },
  });
  // Not at once: the instances stay reachable from this call's own async frames until it returns.
  if (fresh) setTimeout(collectGarbageNow, 0);
  const db = drizzle({ client, schema });
  return {
    db: db as unknown as Db,
    engine: "pglite",
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}

/**
 * A fresh data dir is made by initdb in two throwaway WASM instances (some 400 MB of memory),
 * unreachable once PGlite.create has returned; an idle portal allocates too little for V8 to
 * collect them on its own, so it would hold them for good. One full collection gives them back.
 */
function collectGarbageNow(): void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as (() => void) | undefined;
  gc?.();
}

/** Where a lost connection is reported (a logger's warn); never given the URL or a password. */
export type ConnectionErrorSink = (fields: { errCode: string }, message: string) => void;

/**
 * A PostgreSQL server through node-postgres. A connection the server drops (restart, failover,
 * `pg_terminate_backend`) emits 'error' on its client; without a listener Node ends the process.
 * Idle clients report through the pool's 'error', checked-out ones through their own: both are
 * listened to here, the broken client is discarded by the pool, and the next query connects anew.
 * A refused or slow connection fails the query within CONNECT_TIMEOUT_MS instead of waiting.
 */
export async function openPostgres(url: string, poolSize = 10, onConnectionError: ConnectionErrorSink = () => undefined): Promise<Database> {
  const pg = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const pool = new pg.default.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  const report = (err: unknown) => onConnectionError({ errCode: databaseErrorCode(err) }, "database connection lost");
  pool.on("error", report);
  // A checked-out client's error also rejects its query, which is where it is handled: no second report.
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = drizzle({ client: pool, schema });
  return {
    db: db as unknown as Db,
    engine: "postgres",
    // One instance at a time: the others wait on the lock, then find nothing left to apply.
    migrate: () => onOneClientUnderLock(pool, MIGRATION_LOCK, (client) => migrate(drizzle({ client, schema }), { migrationsFolder })),
    close: () => pool.end(),
  };
}

/** Serializes the SQL migrations across instances starting at once (data-migrations.ts has its own). */
const MIGRATION_LOCK = 7_202_305;

/**
 * Runs `work` on one client of the pool while that client holds a session advisory lock: the work
 * and the lock share the connection, so a pool of one cannot deadlock on it, and a connection
 * lost midway releases the lock with it.
 */
async function onOneClientUnderLock<T>(pool: import("pg").Pool, key: number, work: (client: import("pg").PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let unlocked = false;
  try {
    await client.query("select pg_advisory_lock($1)", [key]);
    try {
      return await work(client);
    } finally {
      unlocked = await client.query("select pg_advisory_unlock($1)", [key]).then(() => true, () => false);
    }
  } finally {
    // A client that could not unlock is closed, not reused: closing its session releases the lock.
    client.release(!unlocked);
  }
}

/**
 * The database the configuration names. DATA_DIR is made owner-only either way (it holds the
 * mailbox, export files and temporary uploads too). The embedded database is opened only under
 * the exclusive DATA_DIR lock (./data-dir.ts), released when the database is closed or the
 * process ends; a PostgreSQL server serializes its clients itself, so no lock is taken there.
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; role?: ProcessRole; onConnectionError?: ConnectionErrorSink }): Promise<Database> {
  useOwnerOnlyFileModes();
  if (opts.databaseUrl) {
    tightenDataDir(opts.dataDir);
    return openPostgres(opts.databaseUrl, undefined, opts.onConnectionError);
  }
  const lock = lockDataDir(opts.dataDir, opts.role ?? "command");
  try {
    tightenDataDir(opts.dataDir);
    const database = await openPglite(path.join(opts.dataDir, "pglite"));
    // PGlite ignores the umask for some files: initdb's copy comes out 0666 and the relcache init
    // files (pg_internal.init, rewritten after DDL) 0644. DATA_DIR is 0700, so nobody else can
    // reach them meanwhile; tightening after open and at close leaves them owner-only at rest.
    tightenDataDir(opts.dataDir);
    return {
      ...database,
      close: async () => {
        try {
          await database.close();
          tightenDataDir(opts.dataDir);
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export const CONNECT_TIMEOUT_MS = 5_000;

/** SQLSTATEs of a server that is going away, restarting or refusing connections for now. */
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006", "08007"]);
const unavailableErrnos = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** node-postgres says these in words only. */
const unavailableMessages = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/** Every error in a chain: drizzle wraps the driver's error as `cause`, net wraps per address in `errors`. */
function* errorChain(err: unknown, depth = 0): Generator<{ code?: unknown; message?: unknown }> {
  if (!err || typeof err !== "object" || depth > 8) return;
  const e = err as { cause?: unknown; errors?: unknown };
  yield e as { code?: unknown; message?: unknown };
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* errorChain(inner, depth + 1);
  yield* errorChain(e.cause, depth + 1);
}

/**
 * Whether an error means the database cannot be reached right now (rather than that a statement
 * was wrong): the caller answers 503, pauses its loop or retries the write once it is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (typeof e.code === "string" && (unavailableStates.has(e.code) || unavailableErrnos.has(e.code))) return true;
    if (typeof e.message === "string" && unavailableMessages.test(e.message)) return true;
  }
  return false;
}

/** A short code for logs (SQLSTATE or errno), never the statement or its parameters. */
export function databaseErrorCode(err: unknown): string {
  for (const e of errorChain(err)) {
    if (typeof e.code === "string" && /^[A-Z0-9_]{4,20}$/.test(e.code)) return e.code;
  }
  for (const e of errorChain(err)) {
    if (typeof e.message === "string" && unavailableMessages.test(e.message)) return "connection_lost";
  }
  return "unknown";
}
