/**
 * npm run bench:crypto — what sealing personal fields under per-subject keys (issue 18) costs on
 * the three paths it touches: requester sign-in by password, the staff queue page (and its search
 * by exact e-mail), and an export. One run, one embedded database, 2,000 subjects and 2,000
 * requests. For each path it measures the whole operation as it runs now ("after") and, in the
 * same run, the one step that changed against its plaintext equivalent on a shadow table with the
 * old schema (same rows, same unique index): "before" = after − new step + old step. Prints p50s
 * and the ratio after/before (the target: ≤ 1.10). A benchmark, not a test: it asserts nothing.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import { openPglite, rowsOf } from "../../src/db/client.js";
import { requests, staffUsers } from "../../src/db/schema/index.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { newReference } from "../../src/platform/codes.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { addNote, appendMessages, createConversation } from "../../src/chats/conversation-store.js";
import { insertSubjects, subjectById } from "../../src/chats/subject-store.js";
import { subjectByEmail } from "../../src/identity/requester-session.js";
import { hashPassword } from "../../src/identity/passwords.js";
import { signInWithPassword } from "../../src/identity/sign-in-with-password.js";
import { exportJobDefinitions } from "../../src/exports/jobs.js";
import { queueExport } from "../../src/exports/queue-export.js";
import { reviewQueue } from "../../src/staff/review-queue.js";
import type { StaffActor } from "../../src/platform/policy.js";
import { printBenchSummary } from "./support.js";

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);

async function p50(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  for (let i = 0; i < Math.min(5, runs); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

const emailOf = (i: number) => `person.${i}@bench.example`;

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-crypto-"));
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: tmp, JOBS: "off", LOG_LEVEL: "silent" });
  const database = await openPglite(path.join(tmp, "pglite"));
  await database.migrate();
  const ctx: AppContext = {
    db: database.db, engine: database.engine, config, logger: pino({ level: "silent" }), clock: { now: () => new Date() },
    keys: createKeyRing(crypto.randomBytes(32)), mail: createMailTransport({ dataDir: tmp }), instanceId: "bench",
  };
  try {
    const org = await createOrganization(ctx.db, ctx.keys, {
      slug: "bench", name: "Bench Helpline", country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "en", locales: ["en"], authorityCountry: "FI",
      privacyInfo: { purposes: ["Chat counselling"], recipients: ["Chat Platform Oy"] },
    });
    const passwordHash = await hashPassword("bench-password-2026");
    const people = [];
    for (let i = 0; i < SUBJECTS; i += 500) {
      people.push(...(await insertSubjects(ctx.db, ctx.keys, Array.from({ length: Math.min(500, SUBJECTS - i) }, (_, j) => ({
        orgId: org.id, email: emailOf(i + j), displayName: `Person ${i + j}`, externalId: `ext-${i + j}`, passwordHash, locale: "en",
      })))));
    }
    // The old schema, as a shadow table with the same rows: the "before" of each changed step.
    await ctx.db.execute(sql.raw(`create table bench_plain_subjects (id uuid primary key, org_id uuid not null, external_id text, email text, display_name text,
      password_hash text, email_verified_at timestamptz, staff_verified_at timestamptz, locale text, unique (org_id, email), unique (org_id, external_id))`));
    for (let i = 0; i < people.length; i += 500) {
      const chunk = people.slice(i, i + 500);
      await ctx.db.execute(sql`insert into bench_plain_subjects (id, org_id, external_id, email, display_name, password_hash, locale)
        select * from unnest(${sql.param(chunk.map((p) => p.id))}::uuid[], ${sql.param(chunk.map(() => org.id))}::uuid[], ${sql.param(chunk.map((p) => p.externalId))}::text[],
          ${sql.param(chunk.map((p) => p.email))}::text[], ${sql.param(chunk.map((p) => p.displayName))}::text[], ${sql.param(chunk.map(() => passwordHash))}::text[], ${sql.param(chunk.map(() => "en"))}::text[])`);
    }
    const now = new Date();
    for (let i = 0; i < people.length; i += 500) {
      await ctx.db.insert(requests).values(people.slice(i, i + 500).map((p, j) => ({
        orgId: org.id, reference: newReference(), subjectId: p.id, type: "access" as const, scope: "all_conversations" as const, dedupeKey: crypto.randomUUID(),
        status: "submitted", assurance: "account" as const, locale: "en", receivedAt: new Date(now.getTime() - (i + j) * 60_000), dueDate: "2026-12-31", effectiveDueDate: "2026-12-31",
      })));
    }
    const [staff] = await ctx.db.insert(staffUsers).values({ orgId: org.id, role: "dpo", email: "dpo@bench.example", name: "Bench DPO" }).returning();
    const actor: StaffActor = { type: "staff", id: staff!.id, orgId: org.id, role: "dpo", name: staff!.name, email: staff!.email };
    const someone = people[Math.floor(SUBJECTS / 2)]!;

    // ---- the changed steps, new and old
    const lookupNew = await p50(() => subjectByEmail(ctx.db, ctx.keys, org.id, someone.email!), 200);
    const lookupOld = await p50(async () => rowsOf(await ctx.db.execute(sql`select id, password_hash, email_verified_at, staff_verified_at from bench_plain_subjects where org_id = ${org.id} and email = ${someone.email}`)), 200);
    const profileNew = await p50(() => subjectById(ctx.db, ctx.keys, someone.id), 200);
    const profileOld = await p50(async () => rowsOf(await ctx.db.execute(sql`select * from bench_plain_subjects where id = ${someone.id}`)), 200);
    const searchOld = await p50(async () => rowsOf(await ctx.db.execute(sql`select r.id from requests r where r.org_id = ${org.id} and exists (select 1 from bench_plain_subjects s where s.id = r.subject_id and s.org_id = ${org.id} and s.email = ${someone.email}) order by r.effective_due_date, r.id limit 50`)), 100);
    const searchNew = await p50(async () => rowsOf(await ctx.db.execute(sql`select r.id from requests r where r.org_id = ${org.id} and exists (select 1 from subjects s where s.id = r.subject_id and s.org_id = ${org.id} and s.email_index = ${ctx.keys.blindIndex("email", someone.email!)}) order by r.effective_due_date, r.id limit 50`)), 100);

    // ---- whole operations, as they run now
    const signIn = await p50(() => signInWithPassword(ctx, { org, email: someone.email!, password: "bench-password-2026" }), 20);
    const queuePage = await p50(() => reviewQueue(ctx, actor, org, {}), 60);
    const queueSearch = await p50(() => reviewQueue(ctx, actor, org, { search: someone.email! }), 60);
    const conv = await createConversation(ctx.db, ctx.keys, { orgId: org.id, subjectId: someone.id, topic: "Bench", startedAt: new Date("2026-01-01T10:00:00Z") });
    await appendMessages(ctx.db, ctx.keys, conv, Array.from({ length: 200 }, (_, i) => ({ senderRole: i % 2 ? "worker" as const : "subject" as const, body: `message ${i} of the bench conversation`, sentAt: new Date(Date.UTC(2026, 0, 1, 10, i)) })));
    await addNote(ctx.db, ctx.keys, conv, "bench note");
    const [exportRequest] = await ctx.db.insert(requests).values({
      orgId: org.id, reference: newReference(), subjectId: someone.id, type: "export", scope: "all_conversations", dedupeKey: crypto.randomUUID(),
      status: "in_progress", assurance: "account", locale: "en", receivedAt: now, dueDate: "2026-12-31", effectiveDueDate: "2026-12-31",
    }).returning();
    const runner = new JobRunner(ctx, exportJobDefinitions());
    const exportRun = await p50(async () => {
      await ctx.db.transaction((tx) => queueExport(tx, ctx, { requestId: exportRequest!.id, kind: "export_json" }));
      await runner.drain();
    }, 10);

    const row = (name: string, after: number, newStep: number, oldStep: number) => {
      const before = after - newStep + oldStep;
      return `  ${name.padEnd(22)} after ${after.toFixed(2).padStart(8)} ms   before ${before.toFixed(2).padStart(8)} ms   ratio ${(after / before).toFixed(3)}`;
    };
    process.stdout.write([
      `bench:crypto on ${ctx.engine}, node ${process.version}, ${SUBJECTS} subjects and requests (p50 of each)`,
      `  changed steps: look-up by e-mail ${lookupNew.toFixed(3)} ms (blind index) vs ${lookupOld.toFixed(3)} ms (plaintext);`,
      `                 profile read ${profileNew.toFixed(3)} ms (key + open) vs ${profileOld.toFixed(3)} ms; e-mail search ${searchNew.toFixed(3)} vs ${searchOld.toFixed(3)} ms`,
      row("sign-in (password)", signIn, lookupNew, lookupOld),
      row("queue page", queuePage, 0, 0),
      row("queue search by e-mail", queueSearch, searchNew, searchOld),
      row("export (export_json)", exportRun, profileNew, profileOld),
      "",
    ].join("\n"));
    const ratio = (after: number, newStep: number, oldStep: number) => Number((after / (after - newStep + oldStep)).toFixed(3));
    printBenchSummary("crypto", { engine: ctx.engine, sign_in_ms: Number(signIn.toFixed(2)), sign_in_ratio: ratio(signIn, lookupNew, lookupOld), queue_search_ratio: ratio(queueSearch, searchNew, searchOld), export_json_ms: Number(exportRun.toFixed(2)), export_json_ratio: ratio(exportRun, profileNew, profileOld) });
  } finally {
    await database.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
