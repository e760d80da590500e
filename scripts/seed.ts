import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext, exitStartupFailed } from "../src/bootstrap.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { DemoInProductionError, seedDemoIfEmpty } from "../src/seed/demo.js";

/** `npm run seed`: migrate and seed the demo organization if the database is empty (never in production). */
useOwnerOnlyFileModes();
const config = loadConfig();
// Refused before the database is even opened: nothing of the demo may reach a production database.
if (config.production) exitStartupFailed(new DemoInProductionError());
const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL)).catch(exitStartupFailed);
const demo = await seedDemoIfEmpty(ctx);
process.stdout.write(demo ? `Seeded demo data.\n${demo.lines.join("\n")}\n` : "Database already has data; nothing seeded.\n");
await database.close();
