import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig, type Config } from "../../src/config.js";
import type { AppContext, Clock } from "../../src/context.js";
import { openPglite, openPostgres, rowsOf, type Database } from "../../src/db/client.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport, type MailTransport } from "../../src/platform/mail-transport.js";

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(private current = new Date("2026-03-02T09:00:00Z")) {}
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

let shared: { database: Database; dataDir: string } | undefined;

/** One real database per test run: PGlite, or the server named by TEST_DATABASE_URL. */
export async function sharedDatabase(): Promise<{ database: Database; dataDir: string }> {
  if (shared) return shared;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-test-"));
  const url = process.env.TEST_DATABASE_URL;
  const database = url ? await openPostgres(url, 5) : await openPglite("memory://");
  if (url) {
    await database.db.execute(sql.raw("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;"));
  }
  await database.migrate();
  shared = { database, dataDir };
  return shared;
}

export async function closeSharedDatabase(): Promise<void> {
  if (!shared) return;
  await shared.database.close();
  fs.rmSync(shared.dataDir, { recursive: true, force: true });
  shared = undefined;
}

/** Empties every table (fast, keeps the schema). */
export async function truncateAll(database: Database): Promise<void> {
  const rows = await database.db.execute<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  const names = rowsOf<{ tablename: string }>(rows);
  if (names.length === 0) return;
  await database.db.execute(sql.raw(`truncate ${names.map((r) => `"${r.tablename}"`).join(", ")} restart identity cascade`));
}

export interface TestContext extends AppContext {
  clock: TestClock;
  database: Database;
}

const MASTER = Buffer.alloc(32, 7);

/** A clean database and a fresh context: call in beforeEach. */
export async function freshContext(opts: { mail?: MailTransport; config?: Partial<Config> } = {}): Promise<TestContext> {
  const { database, dataDir } = await sharedDatabase();
  await truncateAll(database);
  fs.rmSync(path.join(dataDir, "mail"), { recursive: true, force: true });
  return contextOn(database, dataDir, opts);
}

/** A test context on a given database (the shared one, or a test's own server). */
export function contextOn(database: Database, dataDir: string, opts: { mail?: MailTransport; config?: Partial<Config> } = {}): TestContext {
  const config = { ...loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, JOBS: "off", LOG_LEVEL: "silent", WEBHOOK_ALLOW_LOOPBACK: "1" }), ...opts.config };
  return {
    db: database.db,
    engine: database.engine,
    database,
    config,
    logger: pino({ level: "silent" }),
    clock: new TestClock(),
    keys: createKeyRing(MASTER),
    mail: opts.mail ?? createMailTransport({ dataDir }),
    instanceId: "test",
  };
}

/** The master key test contexts use (base64), for a portal started as a child process. */
export const TEST_MASTER_KEY = MASTER.toString("base64");
