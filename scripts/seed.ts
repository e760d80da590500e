import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/bootstrap.js";
import { seedDemoIfEmpty } from "../src/db/seed/demo.js";

/** `npm run seed`: migrate and seed the demo organization if the database is empty. */
const config = loadConfig();
const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL));
const demo = await seedDemoIfEmpty(ctx);
process.stdout.write(demo ? `Seeded demo data.\n${demo.lines.join("\n")}\n` : "Database already has data; nothing seeded.\n");
await database.close();
