import crypto from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { systemClock, type AppContext, type Clock } from "./context.js";
import { openDatabase, type Database } from "./db/client.js";
import { createKeyRing, loadMasterKey } from "./platform/crypto.js";
import { createMailTransport } from "./mail/transport.js";

/** Opens the database, applies migrations and assembles the AppContext. */
export async function createContext(config: Config, logger: Logger, clock: Clock = systemClock): Promise<{ ctx: AppContext; database: Database }> {
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    onConnectionError: (fields, message) => logger.warn(fields, message),
  });
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
  return { ctx, database };
}
