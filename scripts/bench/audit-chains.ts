/**
 * npm run bench:audit-chains — what one hash chain per organization (issue 18) buys when several
 * organizations write at once, on a PostgreSQL server (PGlite has one connection, so nothing runs
 * in parallel there). Each organization runs WRITERS concurrent transactions of the shape of a use
 * case: an audit entry, then HOLD_MS of the transaction's other work before commit. "before": the
 * same workload while every append also takes the one global lock the single chain used (so all
 * organizations serialize, as they did); "after": the per-chain locks alone. Prints the wall time
 * of each, appends per second and the ratio, measured in one run. A benchmark: it asserts nothing.
 */
import { sql } from "drizzle-orm";
import { openPostgres, type Tx } from "../../src/db/client.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { appendAudit, verifyAuditChains } from "../../src/platform/audit.js";
import { benchDatabaseUrl } from "./support.js";

const ORGS = Number(process.env.BENCH_ORGS ?? 4);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 4);
const PER_WRITER = Number(process.env.BENCH_PER_WRITER ?? 25);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 5);
/** The lock the single global chain took before each append (platform/audit.ts before issue 18 B). */
const OLD_GLOBAL_AUDIT_LOCK = 7_202_301;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const database = await openPostgres(await benchDatabaseUrl("bench_audit_chains"), ORGS * WRITERS + 2);
  await database.db.execute(sql.raw("drop schema if exists public cascade; create schema public"));
  await database.migrate();
  const deps = { clock: { now: () => new Date() }, keys: createKeyRing(Buffer.alloc(32, 3)) };
  const orgIds: string[] = [];
  for (let i = 0; i < ORGS; i++) {
    orgIds.push((await createOrganization(database.db, deps.keys, { slug: `bench-${i}`, name: `Bench ${i}`, country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "fi", locales: ["fi"] })).id);
  }

  async function workload(globalLock: boolean): Promise<number> {
    const write = async (orgId: string) => {
      for (let i = 0; i < PER_WRITER; i++) {
        await database.db.transaction(async (tx: Tx) => {
          if (globalLock) await tx.execute(sql`select pg_advisory_xact_lock(${OLD_GLOBAL_AUDIT_LOCK})`);
          await appendAudit(tx, deps, { orgId, actor: { type: "system" }, action: "bench.append", details: { i } });
          await sleep(HOLD_MS);
        });
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(orgIds.flatMap((orgId) => Array.from({ length: WRITERS }, () => write(orgId))));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  await workload(false); // warm-up
  const before = await workload(true);
  const after = await workload(false);
  const appends = ORGS * WRITERS * PER_WRITER;
  const chains = await verifyAuditChains(database.db);
  await database.close();
  const rate = (ms: number) => Math.round((appends / ms) * 1000);
  process.stdout.write([
    `audit appends: ${ORGS} organizations x ${WRITERS} concurrent writers x ${PER_WRITER} transactions, each holding ${HOLD_MS} ms after its append`,
    `before (one lock for all, as with one chain): ${before.toFixed(0)} ms, ${rate(before)} appends/s`,
    `after (a lock per organization's chain):      ${after.toFixed(0)} ms, ${rate(after)} appends/s`,
    `ratio after/before: ${(after / before).toFixed(2)} (throughput x${(before / after).toFixed(2)})`,
    `chains verified: ${chains.filter((c) => c.result.ok).length} of ${chains.length}`,
    "",
  ].join("\n"));
}

await main();
