import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext, exitStartupFailed } from "../src/bootstrap.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { rotateMasterKey } from "../src/platform/key-rotation.js";
import { wrappedColumns } from "../src/wrapped-keys.js";

/**
 * `npm run keys:rotate -- [--batch N]`: rewraps every data key and master-sealed secret under
 * MASTER_KEY, opening the rest with MASTER_KEY_PREVIOUS (README: Rotating the master key). Safe
 * to stop and run again; prints the counts. On the embedded database the running portal holds
 * DATA_DIR: stop it first, or let the portal do it (started with MASTER_KEY_PREVIOUS set it
 * rotates in the background).
 */
const USAGE = "usage: MASTER_KEY=<new> MASTER_KEY_PREVIOUS=<old> npm run keys:rotate -- [--batch N]";
const { values } = parseArgs({ options: { batch: { type: "string" }, help: { type: "boolean", short: "h", default: false } } });
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const batchSize = values.batch ? Number(values.batch) : undefined;
if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
  process.stderr.write(`--batch must be a positive whole number\n${USAGE}\n`);
  process.exit(2);
}
useOwnerOnlyFileModes();
const config = loadConfig();
if (!config.MASTER_KEY_PREVIOUS) process.stdout.write("MASTER_KEY_PREVIOUS is not set: only values from before key ids are rewrapped.\n");
const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL)).catch(exitStartupFailed);
try {
  const result = await rotateMasterKey(ctx, wrappedColumns(), { batchSize });
  for (const [kind, n] of Object.entries(result.rewrapped)) process.stdout.write(`${kind}: ${n} rewrapped\n`);
  if (result.remaining === 0) {
    process.stdout.write(`everything is wrapped under master key ${result.keyId}; MASTER_KEY_PREVIOUS can be removed\n`);
  } else {
    process.stderr.write(`${result.remaining} value(s) were busy and are not rewrapped yet: run the command again\n`);
    process.exitCode = 1;
  }
} finally {
  await database.close();
}
