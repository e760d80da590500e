import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { verifyAuditChain } from "../src/platform/audit.js";

/** `npm run audit:verify`: walks the audit hash chain; exits 1 naming the first bad entry. */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
const result = await verifyAuditChain(database.db);
await database.close();
if (result.ok) {
  process.stdout.write(`audit log intact: ${result.checked} entries verified\n`);
} else {
  process.stderr.write(`audit log BROKEN at entry seq=${result.seq} (${result.reason}); ${result.checked} entries before it verified\n`);
  process.exitCode = 1;
}
