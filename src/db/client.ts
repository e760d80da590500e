import path from "node:path";
import { fileURLToPath } from "node:url";
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

/** PGlite persisted in a folder (or in memory with `memory://`). */
export async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dataDir.startsWith("memory://")) ensurePrivateDir(dataDir);
  const client = await PGlite.create(dataDir);
  const db = drizzle({ client, schema });
  return {
    db: db as unknown as Db,
    engine: "pglite",
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}

/** A PostgreSQL server through node-postgres. */
export async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  const pg = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const pool = new pg.default.Pool({ connectionString: url, max: poolSize });
  const db = drizzle({ client: pool, schema });
  return {
    db: db as unknown as Db,
    engine: "postgres",
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => pool.end(),
  };
}

/**
 * The database the configuration names. DATA_DIR is made owner-only either way (it holds the
 * mailbox, export files and temporary uploads too). The embedded database is opened only under
 * the exclusive DATA_DIR lock (./data-dir.ts), released when the database is closed or the
 * process ends; a PostgreSQL server serializes its clients itself, so no lock is taken there.
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; role?: ProcessRole }): Promise<Database> {
  useOwnerOnlyFileModes();
  if (opts.databaseUrl) {
    tightenDataDir(opts.dataDir);
    return openPostgres(opts.databaseUrl);
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
