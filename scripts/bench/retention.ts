/**
 * npm run bench:retention [-- MESSAGES] — fills PostgreSQL with 1,000,000 messages (or MESSAGES /
 * BENCH_MESSAGES) in conversations of 25, of which 10 % are past a 60-day "delete" policy, then
 * runs the real retention sweep (src/retention/run-retention.ts) and prints the total time, the
 * time per 100,000 messages deleted and the longest single transaction.
 *
 * Database: BENCH_DATABASE_URL if set, otherwise a database "rightsdesk_bench" next to
 * DATABASE_URL / TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), created if
 * missing. Its public schema is dropped and recreated on every run. BENCH_BATCH sets the rows per
 * transaction (default 1000), BENCH_MAX_MESSAGES the messages per transaction (default 10000).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import { openPostgres, rowsOf } from "../../src/db/client.js";
import { retentionPolicies } from "../../src/db/schema/index.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { runRetention, type BatchReport } from "../../src/retention/run-retention.js";
import { benchDatabaseUrl, printBenchSummary } from "./support.js";

const MESSAGES = Number(process.argv[2] ?? process.env.BENCH_MESSAGES ?? 1_000_000);
const PER_CONVERSATION = 25;
const EXPIRED_SHARE = 10; // every 10th conversation is past its period
const HELD_EVERY = 100; // every 100th expired conversation is under legal hold (kept, counted)
const BENCH_DB = "rightsdesk_bench";
const DAY = 86_400_000;


const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Server-side generation: data keys, conversations (10 % old), 25 messages and a note each. */
async function fill(ctx: AppContext, orgId: string, conversations: number): Promise<void> {
  const now = Date.now();
  const chunk = 4000;
  for (let from = 0; from < conversations; from += chunk) {
    const to = Math.min(conversations, from + chunk) - 1;
    await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into data_keys (id, wrapped_key)
        select md5('key-' || i)::uuid, decode(md5('wrapped-' || i) || md5('k' || i) || md5('w' || i), 'hex')
        from generate_series(${from}::int, ${to}::int) i`);
      await tx.execute(sql`
        insert into conversations (id, org_id, external_id, topic, language, started_at, ended_at, ip_enc, message_count, data_key_id, legal_hold_at)
        select md5('conv-' || i)::uuid, ${orgId}::uuid, 'conv-' || i, 'Loneliness', 'fi',
               case when i % ${EXPIRED_SHARE} = 0 then ${new Date(now - 90 * DAY).toISOString()}::timestamptz else ${new Date(now - 10 * DAY).toISOString()}::timestamptz end + (i || ' seconds')::interval,
               null, decode(md5('ip-' || i), 'hex'), ${PER_CONVERSATION}, md5('key-' || i)::uuid,
               case when i % ${EXPIRED_SHARE * HELD_EVERY} = 0 then now() end
        from generate_series(${from}::int, ${to}::int) i`);
      await tx.execute(sql`
        insert into messages (conversation_id, external_id, sender_role, sender_label_enc, body_enc, sent_at)
        select md5('conv-' || i)::uuid, 'm-' || i || '-' || m, case when m % 2 = 0 then 'subject' else 'worker' end,
               decode(md5('label' || m), 'hex'),
               convert_to(repeat(md5(i || ':' || m), 4 + (m % 6)), 'UTF8'),
               now() - interval '10 days' + (m || ' minutes')::interval
        from generate_series(${from}::int, ${to}::int) i, generate_series(1, ${PER_CONVERSATION}) m`);
      await tx.execute(sql`
        insert into notes (conversation_id, external_id, body_enc)
        select md5('conv-' || i)::uuid, 'note-' || i, convert_to(repeat(md5('note' || i), 3), 'UTF8')
        from generate_series(${from}::int, ${to}::int) i`);
    });
    process.stderr.write(`\r  ${((to + 1) * PER_CONVERSATION).toLocaleString("en")} messages`);
  }
  process.stderr.write("\n");
  await ctx.db.execute(sql`analyze`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-retention-"));
  const url = await benchDatabaseUrl(BENCH_DB);
  const database = await openPostgres(url, 4);
  try {
    await database.db.execute(sql.raw("drop schema if exists public cascade"));
    await database.db.execute(sql.raw("drop schema if exists drizzle cascade"));
    await database.db.execute(sql.raw("create schema public"));
    await database.migrate();
    const ctx: AppContext = {
      db: database.db, engine: database.engine, config: loadConfig({ NODE_ENV: "test", DATA_DIR: dir, JOBS: "off", LOG_LEVEL: "silent" }),
      logger: pino({ level: "silent" }), clock: { now: () => new Date() }, keys: createKeyRing(crypto.randomBytes(32)),
      mail: createMailTransport({ dataDir: dir }), instanceId: "bench",
    };
    const org = await createOrganization(ctx.db, ctx.keys, { slug: "bench", name: "Bench helpline", country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "fi", locales: ["fi", "en"] });
    const conversations = Math.ceil(MESSAGES / PER_CONVERSATION);
    process.stderr.write(`Filling ${url.replace(/\/\/[^@]*@/, "//")} with ${(conversations * PER_CONVERSATION).toLocaleString("en")} messages in ${conversations.toLocaleString("en")} conversations…\n`);
    const f0 = Date.now();
    await fill(ctx, org.id, conversations);
    process.stderr.write(`  filled in ${seconds(Date.now() - f0)}\n`);
    await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "conversations", periodDays: 60, basis: "created", action: "delete" });

    const batches: BatchReport[] = [];
    const t0 = performance.now();
    const [result] = await runRetention(ctx, {
      batchSize: process.env.BENCH_BATCH ? Number(process.env.BENCH_BATCH) : undefined,
      maxMessagesPerBatch: process.env.BENCH_MAX_MESSAGES ? Number(process.env.BENCH_MAX_MESSAGES) : undefined,
      onBatch: (b) => void batches.push(b),
    });
    const totalMs = performance.now() - t0;

    const deleted = result!.counts["conversations.messages"] ?? 0;
    const [left] = rowsOf<{ messages: string; conversations: string; keys: string }>(await ctx.db.execute(sql`select (select count(*) from messages) as messages,
      (select count(*) from conversations) as conversations, (select count(*) from data_keys) as keys`));
    const longest = batches.reduce((a, b) => (b.txMs > a.txMs ? b : a), batches[0]!);
    const expiredConversations = conversations / EXPIRED_SHARE;
    const held = Math.floor((conversations - 1) / (EXPIRED_SHARE * HELD_EVERY)) + 1;
    const check = await verifyAuditChain(ctx.db);

    const lines = [
      "",
      `Retention sweep on PostgreSQL (${database.engine}), policy: conversations, 60 days, delete`,
      `  messages before           ${(conversations * PER_CONVERSATION).toLocaleString("en")}`,
      `  conversations deleted     ${(result!.counts.conversations ?? 0).toLocaleString("en")} of ${expiredConversations.toLocaleString("en")} expired (kept under legal hold: ${(result!.kept.conversations ?? 0).toLocaleString("en")}, expected ${held})`,
      `  messages deleted          ${deleted.toLocaleString("en")} (notes ${(result!.counts["conversations.notes"] ?? 0).toLocaleString("en")})`,
      `  messages left             ${Number(left!.messages).toLocaleString("en")}`,
      `  data keys                 ${Number(left!.keys).toLocaleString("en")} rows left (one per kept conversation)`,
      `  total time                ${seconds(totalMs)}`,
      `  per 100,000 deleted       ${seconds((totalMs / Math.max(1, deleted)) * 100_000)}`,
      `  transactions              ${batches.length} (rows per batch ≤ ${process.env.BENCH_BATCH ?? 1000}, messages per batch ≤ ${process.env.BENCH_MAX_MESSAGES ?? 10000})`,
      `  longest transaction       ${longest.txMs.toFixed(0)} ms (${longest.category}: ${longest.done} conversations, ${longest.extra.messages ?? 0} messages)`,
      `  median transaction        ${[...batches].sort((a, b) => a.txMs - b.txMs)[Math.floor(batches.length / 2)]!.txMs.toFixed(0)} ms`,
      `  audit chain               ${check.ok ? `intact (${check.checked} entries)` : `BROKEN at ${check.seq}`}`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
    printBenchSummary("retention", { engine: database.engine, messages_deleted: deleted, total_s: Number((totalMs / 1000).toFixed(1)), per_100k_deleted_s: Number(((totalMs / Math.max(1, deleted)) * 100).toFixed(1)), longest_tx_ms: Math.round(longest.txMs), audit_chain_ok: check.ok });
    const expectedDeleted = (expiredConversations - held) * PER_CONVERSATION;
    if (deleted !== expectedDeleted || Number(left!.messages) !== conversations * PER_CONVERSATION - expectedDeleted || !check.ok) {
      process.stderr.write(`count mismatch: deleted ${deleted}, expected ${expectedDeleted}\n`);
      process.exitCode = 1;
    }
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
