import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext, exitStartupFailed } from "../src/bootstrap.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { organizations } from "../src/db/schema/index.js";
import { runRetention } from "../src/retention/run-retention.js";
import { formatRetentionReport } from "../src/retention/report.js";

/**
 * `npm run retention -- [--dry-run] [--org SLUG] [--batch N]`
 * With --dry-run: prints what the sweep would remove and keep per organization and category, and
 * exits without changing anything. Without it: runs the sweep now (the daily job does the same),
 * resuming an interrupted run; an organization whose sweep another instance is running is skipped.
 */
const USAGE = "usage: npm run retention -- [--dry-run] [--org SLUG] [--batch N]";
const { values } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    org: { type: "string" },
    batch: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const batchSize = values.batch ? Number(values.batch) : undefined;
if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
  process.stderr.write(`--batch must be a whole number above 0\n${USAGE}\n`);
  process.exit(2);
}

useOwnerOnlyFileModes();
const config = loadConfig();
const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL)).catch(exitStartupFailed);
try {
  let orgId: string | undefined;
  if (values.org) {
    const [org] = await ctx.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, values.org));
    if (!org) {
      process.stderr.write(`No organization with slug "${values.org}".\n`);
      process.exitCode = 2;
    }
    orgId = org?.id;
  }
  if (process.exitCode !== 2) {
    const at = ctx.clock.now();
    const results = await runRetention(ctx, { dryRun: values["dry-run"], orgId, batchSize });
    process.stdout.write(formatRetentionReport(results, { dryRun: values["dry-run"]!, at }));
  }
} finally {
  await database.close();
}
