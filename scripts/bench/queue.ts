/**
 * npm run bench:queue — the staff review queue's first and a deep page with 1,000 and then
 * 100,000 requests in the database: p50/p95 server time (the query and mapping the /staff route
 * runs), and the ratio between the two sizes. Keyset pagination should keep the ratio near 1.
 * A benchmark, not a test: it prints numbers and asserts nothing. Uses a fresh embedded database
 * in a temporary directory (or BENCH_DATABASE_URL, a PostgreSQL database it may fill).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import { openPglite, openPostgres, rowsOf } from "../../src/db/client.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { staffUsers } from "../../src/db/schema/index.js";
import { encodeCursor, reviewQueue } from "../../src/staff/review-queue.js";
import type { StaffActor } from "../../src/platform/policy.js";
import { printBenchSummary } from "./support.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const WARMUP = 5;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}


async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-"));
  const url = process.env.BENCH_DATABASE_URL;
  const database = url ? await openPostgres(url, 2) : await openPglite(path.join(dataDir, "db"));
  await database.migrate();
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, JOBS: "off", LOG_LEVEL: "silent" });
  const ctx: AppContext = {
    db: database.db, engine: database.engine, config, logger: pino({ level: "silent" }), clock: { now: () => new Date("2026-06-15T09:00:00Z") },
    keys: createKeyRing(Buffer.alloc(32, 9)), mail: createMailTransport({ dataDir }), instanceId: "bench",
  };
  const org = await createOrganization(ctx.db, ctx.keys, {
    slug: `bench-${Date.now()}`, name: "Bench helpline", country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "en", locales: ["en"], hostnames: [], authorityCountry: "FI",
  });
  const [staff] = await ctx.db.insert(staffUsers).values({ orgId: org.id, role: "dpo", email: "bench@example.test", name: "Bench" }).returning();
  const actor: StaffActor = { type: "staff", id: staff!.id, orgId: org.id, role: "dpo", name: "Bench", email: "bench@example.test" };

  let inserted = 0;
  async function fillTo(total: number): Promise<void> {
    const started = Date.now();
    while (inserted < total) {
      const n = Math.min(10_000, total - inserted);
      await ctx.db.execute(sql`
        insert into requests (org_id, reference, type, scope, dedupe_key, status, assurance, locale, received_at, due_date, effective_due_date)
        select ${org.id}::uuid, 'BN-' || lpad((${inserted} + g)::text, 8, '0'),
          (array['access','export','erasure','rectification','restriction','objection'])[1 + (g % 6)], 'all_conversations', 'bench-' || (${inserted} + g),
          (array['submitted','in_review','awaiting_requester','awaiting_identity','completed','rejected','in_review'])[1 + (g % 7)],
          'account', 'en', d, (d + interval '1 month')::date, (d + interval '1 month' + ((g % 5) || ' days')::interval)::date
        from generate_series(1, ${n}) as g, lateral (select timestamptz '2024-01-01' + ((${inserted} + g) * interval '11 minutes') as d) as x`);
      inserted += n;
    }
    await ctx.db.execute(sql`analyze requests`);
    console.log(`  ${total.toLocaleString("en")} requests in the database (filled in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  async function measure(): Promise<{ first: { p50: number; p95: number }; deep: { p50: number; p95: number } }> {
    // Setup only (not timed): the cursor of the row ~90% down the open queue.
    const [{ open }] = rowsOf<{ open: number }>(await ctx.db.execute(sql`select count(*)::int as open from requests where org_id = ${org.id} and status not in ('completed','rejected','withdrawn')`)) as [{ open: number }];
    const [row] = rowsOf<{ effective_due_date: string; id: string }>(await ctx.db.execute(sql`
      select effective_due_date::text, id from requests where org_id = ${org.id} and status not in ('completed','rejected','withdrawn')
      order by effective_due_date, id offset ${Math.floor(open * 0.9)} limit 1`));
    const after = encodeCursor(row!.effective_due_date, row!.id);
    const first = await time(() => reviewQueue(ctx, actor, org, {}));
    const deep = await time(async () => {
      const page = await reviewQueue(ctx, actor, org, { after });
      if (page.rows.length !== 50) throw new Error("deep page is not full");
    });
    return { first, deep };
  }

  console.log(`Review queue benchmark (${database.engine}, ${RUNS} runs after ${WARMUP} warm-up, ms)`);
  await fillTo(1_000);
  const small = await measure();
  await fillTo(100_000);
  const big = await measure();
  const fmt = (x: { p50: number; p95: number }) => `p50 ${x.p50.toFixed(2).padStart(7)}  p95 ${x.p95.toFixed(2).padStart(7)}`;
  console.log("");
  console.log(`  first page,   1,000: ${fmt(small.first)}`);
  console.log(`  first page, 100,000: ${fmt(big.first)}   ratio p50 ${(big.first.p50 / small.first.p50).toFixed(2)}`);
  console.log(`  deep page,    1,000: ${fmt(small.deep)}`);
  console.log(`  deep page,  100,000: ${fmt(big.deep)}   ratio p50 ${(big.deep.p50 / small.deep.p50).toFixed(2)}`);
  const plan = rowsOf<Record<string, string>>(await ctx.db.execute(sql`explain select * from requests where org_id = ${org.id} and status in ('submitted','awaiting_identity','in_review','awaiting_requester','approved','in_progress') and (effective_due_date, id) > ('2025-06-01'::date, '00000000-0000-0000-0000-000000000000'::uuid) order by effective_due_date, id limit 51`));
  printBenchSummary("queue", { engine: database.engine, first_page_100k_p50_ms: Number(big.first.p50.toFixed(2)), deep_page_100k_p50_ms: Number(big.deep.p50.toFixed(2)), first_page_ratio_100k_to_1k: Number((big.first.p50 / small.first.p50).toFixed(2)), deep_page_ratio_100k_to_1k: Number((big.deep.p50 / small.deep.p50).toFixed(2)) });
  console.log("\n  plan of the deep page:");
  for (const line of plan) console.log(`    ${Object.values(line)[0]}`);
  await database.close();
  if (!url) fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
