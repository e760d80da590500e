import crypto from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { systemClock, type AppContext, type Clock } from "./context.js";
import { openDatabase, type Database } from "./db/client.js";
import { createKeyRing, loadMasterKey } from "./platform/crypto.js";
import { createMailTransport } from "./mail/transport.js";
import { runDataMigrations } from "./platform/data-migrations.js";
import { dataMigrationDefinitions } from "./data-migrations.js";

/** Opens the database and prepares the context on it (closing it again if that fails). */
export async function createContext(config: Config, logger: Logger, clock: Clock = systemClock): Promise<{ ctx: AppContext; database: Database }> {
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    return { ctx: await prepareContext(database, config, logger, clock), database };
  } catch (err) {
    await database.close();
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
  const keys = createKeyRing(loadMasterKey({ masterKey: config.MASTER_KEY, dataDir: config.dataDir, embedded: config.embedded }));
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
