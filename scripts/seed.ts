import { ConfigError, loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/bootstrap.js";
import { DemoInProductionError, seedDemoIfEmpty } from "../src/db/seed/demo.js";

/** `npm run seed`: migrate and seed the demo organization if the database is empty (never in production). */
try {
  const config = loadConfig();
  // Refused before the database is even opened: nothing of the demo may reach a production database.
  if (config.production) throw new DemoInProductionError();
  const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL));
  try {
    const demo = await seedDemoIfEmpty(ctx);
    process.stdout.write(demo ? `Seeded demo data.\n${demo.lines.join("\n")}\n` : "Database already has data; nothing seeded.\n");
  } finally {
    await database.close();
  }
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof DemoInProductionError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
}
