import { inArray } from "drizzle-orm";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { organizations } from "../src/db/schema/index.js";
import { exitStartupFailed } from "../src/bootstrap.js";
import { LEGACY_CHAIN, PLATFORM_CHAIN, verifyAuditChains, type ChainCheck } from "../src/platform/audit.js";

/**
 * `npm run audit:verify`: walks every audit hash chain — one per organization, the platform's,
 * and the legacy chain from before there was one per organization — from its start (position 1,
 * or the anchor that retention left when it removed the oldest entries), and prints each one's
 * result; exits 1 when any chain is broken, naming its first bad entry.
 */
useOwnerOnlyFileModes();
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir }).catch(exitStartupFailed);
let results: { chain: string; result: ChainCheck }[];
let slugs: Map<string, string>;
try {
  // One snapshot for the whole walk: a retention run pruning meanwhile cannot look like a gap.
  ({ results, slugs } = await database.db.transaction(async (tx) => {
    const found = await verifyAuditChains(tx);
    const orgIds = found.map((r) => r.chain).filter((c) => c !== LEGACY_CHAIN && c !== PLATFORM_CHAIN);
    const orgs = orgIds.length ? await tx.select({ id: organizations.id, slug: organizations.slug }).from(organizations).where(inArray(organizations.id, orgIds)) : [];
    return { results: found, slugs: new Map(orgs.map((o) => [o.id, o.slug])) };
  }, { isolationLevel: "repeatable read", accessMode: "read only" }));
} finally {
  await database.close();
}

const nameOf = (chain: string) =>
  chain === LEGACY_CHAIN ? "legacy (one chain for all, before per-organization chains)" : chain === PLATFORM_CHAIN ? "platform" : `organization ${slugs.get(chain) ?? "(deleted)"} (${chain})`;

if (results.length === 0) process.stdout.write("audit log intact: no entries yet\n");
for (const { chain, result } of results) {
  if (result.ok) {
    const start = result.anchoredAt ? ` (starting after anchor seq=${result.anchoredAt}, where retention removed older entries)` : "";
    process.stdout.write(`chain ${nameOf(chain)}: audit log intact: ${result.checked} entries verified${start}\n`);
  } else {
    process.stderr.write(`chain ${nameOf(chain)}: audit log BROKEN at entry seq=${result.seq} (${result.reason}); ${result.checked} entries before it verified\n`);
    process.exitCode = 1;
  }
}
const broken = results.filter((r) => !r.result.ok).length;
if (broken) process.stderr.write(`${broken} of ${results.length} chains broken\n`);
else if (results.length > 0) process.stdout.write(`all ${results.length} chains intact\n`);
