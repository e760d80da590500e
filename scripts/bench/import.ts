/**
 * npm run bench:import [-- MESSAGES] — generates an NDJSON export with 1,000,000 messages (or
 * MESSAGES / BENCH_MESSAGES) in a temporary file, imports it into PostgreSQL with the real
 * importer (src/chats/import-ndjson.ts) and prints messages per second and peak RSS.
 *
 * Database: BENCH_DATABASE_URL if set (its public schema is dropped and recreated), otherwise a
 * dedicated database "rightsdesk_bench_import" created next to DATABASE_URL or TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) and wiped on every run. BENCH_BATCH sets the records
 * per transaction (default 500). A benchmark, not a test: it prints numbers and checks the counts.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import cliProgress from "cli-progress";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import { openPostgres, rowsOf } from "../../src/db/client.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { hashReceiptCode, newReceiptCode } from "../../src/platform/codes.js";
import { importNdjson } from "../../src/chats/import-ndjson.js";
import { benchDatabaseUrl, prng, printBenchSummary } from "./support.js";

const MESSAGES = Number(process.argv[2] ?? process.env.BENCH_MESSAGES ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const PER_CONVERSATION = 25;
const CONVERSATIONS_PER_SUBJECT = 4;
const BENCH_DB = "rightsdesk_bench_import";

const WORDS = (
  "i feel like nobody listens at school and my friends moved away so i am alone most days " +
  "thank you for writing it sounds really hard can you tell me more about what happened today " +
  "sometimes i cannot sleep because i keep thinking about exams and what my parents will say"
).split(" ");

function sentence(rand: () => number): string {
  const n = 8 + Math.floor(rand() * 50);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return words.join(" ");
}


async function generate(file: string, messages: number): Promise<{ lines: number; bytes: number }> {
  const out = fs.createWriteStream(file);
  const rand = prng(42);
  let lines = 0;
  const write = async (obj: unknown) => {
    lines += 1;
    if (!out.write(`${JSON.stringify(obj)}\n`)) await once(out, "drain");
  };
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  const start = Date.UTC(2025, 0, 1);
  let written = 0;
  for (let c = 0; c < conversations; c++) {
    const subject = `acct-${Math.floor(c / CONVERSATIONS_PER_SUBJECT)}`;
    if (c % CONVERSATIONS_PER_SUBJECT === 0) {
      await write({ type: "subject", externalId: subject, email: `person${Math.floor(c / CONVERSATIONS_PER_SUBJECT)}@example.test`, displayName: "Chatter", locale: "fi" });
    }
    const startedAt = start + c * 60_000;
    const anonymous = c % 3 === 2;
    await write({
      type: "conversation", externalId: `conv-${c}`, subjectExternalId: anonymous ? null : subject,
      receiptCodeHash: hashReceiptCode(newReceiptCode()), topic: "Loneliness", language: "fi",
      startedAt: new Date(startedAt).toISOString(), endedAt: new Date(startedAt + 45 * 60_000).toISOString(),
      ip: `198.51.${c % 256}.${(c >> 8) % 256}`,
    });
    const n = Math.min(PER_CONVERSATION, messages - written);
    for (let m = 0; m < n; m++) {
      await write({
        type: "message", conversation: `conv-${c}`, externalId: `msg-${c}-${m}`, senderRole: m % 2 ? "worker" : "subject",
        senderLabel: m % 2 ? "Counsellor" : "anon", body: sentence(rand), sentAt: new Date(startedAt + m * 90_000).toISOString(),
      });
    }
    written += n;
    await write({ type: "note", conversation: `conv-${c}`, externalId: `note-${c}`, body: "Follow-up offered; no immediate danger." });
  }
  out.end();
  await once(out, "finish");
  return { lines, bytes: fs.statSync(file).size };
}



async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-import-"));
  const file = path.join(dir, "export.ndjson");
  try {
    process.stderr.write(`Generating ${MESSAGES.toLocaleString("en")} messages…\n`);
    const g0 = Date.now();
    const generated = await generate(file, MESSAGES);
    process.stderr.write(`  ${generated.lines.toLocaleString("en")} lines, ${(generated.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - g0) / 1000).toFixed(1)} s\n`);

    const url = await benchDatabaseUrl(BENCH_DB);
    const database = await openPostgres(url, 2);
    await database.db.execute(sql.raw("drop schema if exists public cascade"));
    await database.db.execute(sql.raw("drop schema if exists drizzle cascade"));
    await database.db.execute(sql.raw("create schema public"));
    await database.migrate();
    const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dir, JOBS: "off", LOG_LEVEL: "silent" });
    const ctx: AppContext = {
      db: database.db, engine: database.engine, config, logger: pino({ level: "silent" }), clock: { now: () => new Date() },
      keys: createKeyRing(crypto.randomBytes(32)), mail: createMailTransport({ dataDir: dir }), instanceId: "bench",
    };
    const org = await createOrganization(ctx.db, ctx.keys, {
      slug: "bench", name: "Bench helpline", country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "fi", locales: ["fi", "en"],
    });

    const bar = new cliProgress.SingleBar(
      { format: "{bar} {percentage}% | {messages} msgs | {rate} msg/s | ETA {eta_formatted}", stream: process.stderr, etaBuffer: 100 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(generated.bytes, 0, { messages: 0, rate: 0 });
    const t0 = process.hrtime.bigint();
    const result = await importNdjson(ctx, {
      file, orgId: org.id, batchSize: BATCH, checkpointFile: path.join(dir, "checkpoint.json"), progressEvery: 20_000,
      onProgress: (p) => bar.update(p.bytesRead, { messages: p.counts.messages.inserted, rate: Math.round(p.messagesPerSecond) }),
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    bar.update(generated.bytes);
    bar.stop();

    const [stored] = rowsOf<{ n: string }>(await ctx.db.execute(sql`select count(*) as n from messages`));
    const [size] = rowsOf<{ s: string }>(await ctx.db.execute(sql`select pg_size_pretty(pg_database_size(current_database())) as s`));
    await database.close();
    const c = result.counts;
    const ok = result.status === "complete" && c.messages.inserted === MESSAGES && Number(stored!.n) === MESSAGES && c.rejected === 0;
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      [
        "",
        `bench:import — ${MESSAGES.toLocaleString("en")} messages from NDJSON into PostgreSQL (${BATCH} records per transaction)`,
        `  input           ${generated.lines.toLocaleString("en")} lines, ${(generated.bytes / 1e6).toFixed(0)} MB`,
        `  imported        ${c.subjects.created} subjects, ${c.conversations.created} conversations, ${c.messages.inserted} messages, ${c.notes.inserted} notes, ${c.rejected} rejected`,
        `  time            ${seconds.toFixed(1)} s`,
        `  throughput      ${Math.round(MESSAGES / seconds).toLocaleString("en")} messages/s`,
        `  peak RSS        ${maxRssMb.toFixed(0)} MB`,
        `  database size   ${size!.s}`,
        `  check           ${ok ? "ok: every message stored once" : `MISMATCH: stored ${stored!.n}, status ${result.status}`}`,
        "",
      ].join("\n"),
    );
    printBenchSummary("import", { messages: MESSAGES, seconds: Number(seconds.toFixed(1)), messages_per_s: Math.round(MESSAGES / seconds), peak_rss_mb: Math.round(maxRssMb), ok });
    if (!ok) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
