import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { exitStartupFailed } from "../src/bootstrap.js";
import { verifyAuditChain, type ChainCheck } from "../src/platform/audit.js";

/**
 * `npm run audit:verify`: walks the audit hash chain from its start (seq 1, or the anchor that
 * retention left when it removed the oldest entries); exits 1 naming the first bad entry.
 */
useOwnerOnlyFileModes();
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir }).catch(exitStartupFailed);
let result: ChainCheck;
try {
  // One snapshot for the whole walk: a retention run pruning meanwhile cannot look like a gap.
  result = await database.db.transaction((tx) => verifyAuditChain(tx), { isolationLevel: "repeatable read", accessMode: "read only" });
} finally {
  await database.close();
}
if (result.ok) {
  const start = result.anchoredAt ? ` (starting after anchor seq=${result.anchoredAt}, where retention removed older entries)` : "";
  process.stdout.write(`audit log intact: ${result.checked} entries verified${start}\n`);
} else {
  process.stderr.write(`audit log BROKEN at entry seq=${result.seq} (${result.reason}); ${result.checked} entries before it verified\n`);
  process.exitCode = 1;
}
