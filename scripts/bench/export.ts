/**
 * npm run bench:export [-- MESSAGES CONVERSATIONS] — one subject with 50,000 messages in 40
 * conversations (or the numbers given), exported as the Art. 15 access package by the real job
 * (queueExport + JobRunner → exports.build). Prints total seconds, messages per second, peak RSS
 * during the export, and the ratio of the export's time to plain zlib deflate (same level) of
 * the same uncompressed bytes, measured in the same run.
 *
 * Database: PGlite in a temporary directory, or DATABASE_URL if set (a fresh organization is
 * created there; nothing else is touched). BENCH_KIND=export_json benchmarks the Art. 20 export.
 * BENCH_GC=1 also forces a garbage collection every 0.5 s and prints the largest heap still in
 * use after it: what the export really retains, as opposed to RSS that V8 has not given back
 * (it slows the run a little, so it is off by default).
 * Where the time goes is printed per phase (src/platform/build-timings.ts, on only here);
 * BENCH_CPU_PROFILE=export.cpuprofile writes Node's CPU profile of the export alone (not the set-up).
 */
import { insertSubject } from "../../src/chats/subject-store.js";
import crypto from "node:crypto";
import fs from "node:fs";
import inspector from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import zlib from "node:zlib";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import { openPglite, openPostgres } from "../../src/db/client.js";
import { exports, requests, retentionPolicies, subjects } from "../../src/db/schema/index.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { newReference } from "../../src/platform/codes.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { addNote, appendMessages, createConversation, type PlainMessage } from "../../src/chats/conversation-store.js";
import { exportJobDefinitions } from "../../src/exports/jobs.js";
import { queueExport } from "../../src/exports/queue-export.js";
import { readDecryptedExport } from "../../src/platform/blob-store.js";
import { ZIP_LEVEL } from "../../src/exports/zip-package.js";
import { listZipEntries, readZipEntry } from "../../src/exports/zip-reader.js";
import { buildPhases, buildTimings, type BuildPhase } from "../../src/platform/build-timings.js";
import { prng } from "./support.js";

const MESSAGES = Number(process.argv[2] ?? process.env.BENCH_MESSAGES ?? 50_000);
const CONVERSATIONS = Number(process.argv[3] ?? process.env.BENCH_CONVERSATIONS ?? 40);
const KIND = (process.env.BENCH_KIND ?? "access_zip") as "access_zip" | "export_json";
const FORCE_GC = process.env.BENCH_GC === "1";
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;

/** Node's CPU profiler around the export alone (BENCH_CPU_PROFILE=file.cpuprofile), not the set-up. */
async function startCpuProfile(): Promise<(() => Promise<void>) | undefined> {
  if (!CPU_PROFILE) return undefined;
  const session = new inspector.Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    fs.writeFileSync(CPU_PROFILE, JSON.stringify(profile));
    session.disconnect();
  };
}

function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

const WORDS = (
  "i feel like nobody listens at school and my friends moved away so i am alone most days " +
  "thank you for writing it sounds really hard can you tell me more about what happened today " +
  "sometimes i cannot sleep because i keep thinking about exams and what my parents will say " +
  "kiitos että kirjoitit tämä kuulostaa raskaalta tack för att du skriver dank je wel aitäh õde ž š ij å ö ä"
).split(" ");


/** Every Art. 15 text the readiness checklist asks for, in each offered language. */
function readyInfo(locales: string[]) {
  const each = (what: string) => Object.fromEntries(locales.map((l) => [l, `${what} (${l})`]));
  return { purposes: each("Chat counselling"), legalBases: each("Public interest"), categories: each("Chat messages"), source: each("The chats"), transfers: { outsideEea: false } };
}

const PHASE_NAMES: Record<BuildPhase, string> = {
  read: "read (database)",
  decrypt: "decrypt",
  renderHtml: "render HTML",
  renderJson: "render JSON",
  renderPdf: "render PDF",
  zip: "zip (waiting for compression)",
  encrypt: "encrypt",
};

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-export-"));
  const url = process.env.DATABASE_URL;
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: tmp, JOBS: "off", LOG_LEVEL: "silent", ...(url ? { DATABASE_URL: url } : {}) });
  const database = url ? await openPostgres(url, 4) : await openPglite(path.join(tmp, "pglite"));
  await database.migrate();
  const ctx: AppContext = {
    db: database.db,
    engine: database.engine,
    config,
    logger: pino({ level: "silent" }),
    clock: { now: () => new Date() },
    keys: createKeyRing(crypto.randomBytes(32)),
    mail: createMailTransport({ dataDir: tmp }),
    instanceId: "bench",
  };
  try {
    // ---- set-up (not measured)
    const setupStarted = Date.now();
    const org = await createOrganization(ctx.db, ctx.keys, {
      slug: `bench-${crypto.randomBytes(4).toString("hex")}`, name: "Bench Helpline", country: "FI", timeZone: "Europe/Helsinki",
      defaultLocale: "en", locales: ["en", "fi"], authorityCountry: "FI", dpoEmail: "dpo@bench.test", mailSenderName: "Bench Helpline",
      privacyInfo: { ...readyInfo(["en", "fi"]), recipients: ["Chat Platform Oy"] },
    });
    // An access package is built only for an organization whose settings are complete (readiness.ts).
    await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "conversations", periodDays: 36_500, basis: "created", action: "delete" });
    const subject = await insertSubject(ctx.db, ctx.keys, { orgId: org.id, email: `bench-${org.slug}@example.test`, displayName: "Bench Person", locale: "en" });
    const rand = prng(42);
    const roles: PlainMessage["senderRole"][] = ["subject", "worker", "subject", "worker", "other", "system"];
    const base = Date.UTC(2025, 0, 1, 8, 0, 0);
    let made = 0;
    for (let c = 0; c < CONVERSATIONS; c++) {
      const count = Math.floor(MESSAGES / CONVERSATIONS) + (c < MESSAGES % CONVERSATIONS ? 1 : 0);
      const startedAt = new Date(base + c * 3 * 86_400_000);
      const conv = await createConversation(ctx.db, ctx.keys, {
        orgId: org.id, subjectId: subject!.id, topic: `Topic ${c + 1}`, startedAt, endedAt: new Date(startedAt.getTime() + count * 20_000), ip: `198.51.100.${c % 250}`,
      });
      const batch: PlainMessage[] = [];
      for (let i = 0; i < count; i++) {
        const role = roles[Math.floor(rand() * roles.length)]!;
        const n = 8 + Math.floor(rand() * 40);
        const words: string[] = [];
        for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
        batch.push({
          senderRole: role,
          senderLabel: role === "worker" ? `Worker ${c % 3}` : role === "other" ? `handle_${Math.floor(rand() * 5)}` : "me",
          body: words.join(" "),
          sentAt: new Date(startedAt.getTime() + i * 20_000),
        });
      }
      await appendMessages(ctx.db, ctx.keys, conv, batch);
      await addNote(ctx.db, ctx.keys, conv, `Note for conversation ${c + 1}`);
      made += count;
    }
    const [request] = await ctx.db
      .insert(requests)
      .values({
        orgId: org.id, reference: newReference(), subjectId: subject!.id, type: KIND === "export_json" ? "export" : "access", scope: "all_conversations",
        dedupeKey: crypto.randomUUID(), status: "in_progress", assurance: "account", locale: "en", receivedAt: new Date(),
        dueDate: "2025-02-01", effectiveDueDate: "2025-02-01",
      })
      .returning();
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    const gc = FORCE_GC ? exposeGc() : undefined;
    gc?.();

    // ---- the export (measured)
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let retained = 0;
    let ticks = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (gc && ++ticks % 50 === 0) {
        gc();
        const m = process.memoryUsage();
        retained = Math.max(retained, m.heapUsed + m.external);
      }
    }, 10);
    const stopProfile = await startCpuProfile();
    buildTimings.reset();
    buildTimings.enabled = true;
    const started = process.hrtime.bigint();
    const queued = await ctx.db.transaction((tx) => queueExport(tx, ctx, { requestId: request!.id, kind: KIND }));
    await new JobRunner(ctx, exportJobDefinitions()).drain();
    const exportSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    buildTimings.enabled = false;
    const phases = { ...buildTimings.ms };
    await stopProfile?.();
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const [row] = await ctx.db.select().from(exports).where(eq(exports.id, queued.id));
    if (row?.status !== "ready" || !row.path) throw new Error(`export did not finish: ${row?.status} ${row?.error ?? ""}`);
    const zipFile = await readDecryptedExport(ctx, row);

    // ---- baseline: plain zlib deflate of the same uncompressed bytes, same level
    const entries = listZipEntries(zipFile);
    const contents: Buffer[] = [];
    for (const e of entries) {
      const parts: Buffer[] = [];
      await readZipEntry(zipFile, e, (c) => parts.push(c));
      contents.push(Buffer.concat(parts));
    }
    const uncompressed = contents.reduce((n, b) => n + b.length, 0);
    const deflateStarted = process.hrtime.bigint();
    let deflated = 0;
    for (const b of contents) deflated += zlib.deflateRawSync(b, { level: ZIP_LEVEL }).length;
    const deflateSeconds = Number(process.hrtime.bigint() - deflateStarted) / 1e9;

    const lines = [
      `bench:export (${KIND}) on ${ctx.engine}, node ${process.version}`,
      `  data:            ${made.toLocaleString("en")} messages in ${CONVERSATIONS} conversations (set-up ${setupSeconds.toFixed(1)} s, not measured)`,
      `  package:         ${entries.length} files, ${mb(uncompressed)} uncompressed → ${mb(zipFile.length)} ZIP (zlib level ${ZIP_LEVEL})`,
      `  total seconds:   ${exportSeconds.toFixed(2)} s (queue + job: read, decrypt, render, zip, fsync, sign, publish)`,
      `  messages/second: ${Math.round(made / exportSeconds).toLocaleString("en")}`,
      `  peak RSS:        ${mb(peakRss)} during the export (${mb(rssBefore)} before it; process max ${mb(process.resourceUsage().maxRSS * 1024)})`,
      ...(gc ? [`  retained memory: ${mb(retained)} at most (heap + external, right after a forced GC)`] : []),
      `  zlib deflate:    ${deflateSeconds.toFixed(2)} s for the same ${mb(uncompressed)} (→ ${mb(deflated)})`,
      `  ratio:           export time / deflate time = ${(exportSeconds / deflateSeconds).toFixed(1)}×`,
      `  where the time goes (phases overlap: the next page is read while this one is compressed on zlib's threads):`,
      ...buildPhases.map((p) => `    ${PHASE_NAMES[p].padEnd(30)} ${(phases[p] / 1000).toFixed(2).padStart(6)} s`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await database.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:export failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
