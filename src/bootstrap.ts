import crypto from "node:crypto";
import type { Logger } from "pino";
import { ConfigError, type Config } from "./config.js";
import { systemClock, type AppContext, type Clock } from "./context.js";
import { openDatabase, type Database } from "./db/client.js";
import type { ProcessRole } from "./db/data-dir.js";
import { createKeyRing, loadMasterKey, type KeyRing } from "./platform/crypto.js";
import { createMailTransport } from "./platform/mail-transport.js";
import { runDataMigrations } from "./platform/data-migrations.js";
import { loadRootKeys } from "./platform/root-keys.js";
import { dataMigrationDefinitions } from "./data-migrations.js";

/** Called as each start-up phase ends (the portal times them; commands pass nothing). */
export type PhaseMark = (phase: "open database" | "migrate") => void;

/**
 * Opens the database (on the embedded engine under the exclusive DATA_DIR lock, see
 * db/data-dir.ts) and prepares the context on it, closing it again if that fails. `role` only
 * words the message a second process gets: the portal passes "portal", every command leaves the default.
 */
export async function createContext(config: Config, logger: Logger, clock: Clock = systemClock, role: ProcessRole = "command", mark: PhaseMark = () => undefined): Promise<{ ctx: AppContext; database: Database }> {
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    role,
    onConnectionError: (fields, message) => logger.warn(fields, message),
  });
  mark("open database");
  try {
    const ctx = await prepareContext(database, config, logger, clock);
    mark("migrate");
    return { ctx, database };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Applies the SQL migrations, assembles the AppContext and applies the data migrations (they
 * need the context: clock, keys, logger). Every CLI starts here, so none works on rows a data
 * migration has not reached yet.
 */
export async function prepareContext(database: Database, config: Config, logger: Logger, clock: Clock = systemClock): Promise<AppContext> {
  await database.migrate();
  const master = loadMasterKey({ masterKey: config.MASTER_KEY, dataDir: config.dataDir, embedded: config.embedded });
  const previous = config.MASTER_KEY_PREVIOUS ? Buffer.from(config.MASTER_KEY_PREVIOUS, "base64") : undefined;
  const keys: KeyRing = createKeyRing(master, previous);
  // Fails here, before anything is served, when MASTER_KEY is not the key the data is under.
  await loadRootKeys(database.db, keys, previous ?? master);
  const ctx: AppContext = {
    db: database.db,
    engine: database.engine,
    config,
    logger,
    clock,
    keys,
    mail: createMailTransport({ smtpUrl: config.SMTP_URL, dataDir: config.dataDir }),
    instanceId: `${process.pid}-${crypto.randomBytes(4).toString("hex")}`,
  };
  await runDataMigrations(ctx, dataMigrationDefinitions());
  return ctx;
}

/**
 * Ends a process that could not start (the portal or a command) with one readable message on
 * stderr and exit code 1; never a stack trace.
 */
export function exitStartupFailed(err: unknown): never {
  const message = err instanceof ConfigError ? err.message : `Start-up failed: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
