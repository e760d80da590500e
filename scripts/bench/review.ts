/**
 * npm run bench:review [-- MESSAGES] — the DPO's package review on one conversation of 5,000
 * messages (or the number given) drawn from the labelled redaction corpus: how long one review
 * page (50 messages with their suggestions) takes to show and to save, and how much the
 * redactions cost when the package is built — the access package built without any redaction and
 * with every suggestion accepted on every page, measured in the same run (the ratio is the cost).
 *
 * Database: PGlite in a temporary directory, or DATABASE_URL if set (a fresh organization).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import { openPglite, openPostgres } from "../../src/db/client.js";
import { exports, packageRedactions, requests, retentionPolicies, staffUsers } from "../../src/db/schema/index.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { newReference } from "../../src/platform/codes.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { appendMessages, createConversation, type PlainMessage } from "../../src/chats/conversation-store.js";
import { insertSubject } from "../../src/chats/subject-store.js";
import { exportJobDefinitions } from "../../src/exports/jobs.js";
import { loadReview, openPackageReview, pageCount, releasePackage } from "../../src/fulfilment/package-review.js";
import { saveReviewPage, viewReviewPage } from "../../src/fulfilment/review-page.js";
import type { StaffActor } from "../../src/platform/policy.js";
import { loadCorpus } from "../../test/fixtures/redaction/corpus-types.js";
import { demoPrivacyInfo } from "../../src/seed/demo-settings.js";
import { printBenchSummary } from "./support.js";

const MESSAGES = Number(process.argv[2] ?? process.env.BENCH_MESSAGES ?? 5_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-review-"));
  const url = process.env.DATABASE_URL;
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: tmp, JOBS: "off", LOG_LEVEL: "silent", ...(url ? { DATABASE_URL: url } : {}) });
  const database = url ? await openPostgres(url, 4) : await openPglite(path.join(tmp, "pglite"));
  await database.migrate();
  const ctx: AppContext = {
    db: database.db, engine: database.engine, config, logger: pino({ level: "silent" }), clock: { now: () => new Date() },
    keys: createKeyRing(crypto.randomBytes(32)), mail: createMailTransport({ dataDir: tmp }), instanceId: "bench",
  };
  try {
    const org = await createOrganization(ctx.db, ctx.keys, {
      slug: `bench-${crypto.randomBytes(4).toString("hex")}`, name: "Bench Helpline", country: "FI", timeZone: "Europe/Helsinki",
      defaultLocale: "fi", locales: ["en", "fi"], authorityCountry: "FI", dpoEmail: "dpo@bench.test", mailSenderName: "Bench",
      privacyInfo: demoPrivacyInfo, // every setting of the readiness checklist: access packages need them
    });
    await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "conversations", periodDays: 730, basis: "created", action: "delete" });
    const [dpoRow] = await ctx.db.insert(staffUsers).values({ orgId: org.id, role: "dpo", email: "dpo@bench.test", name: "DPO", passwordHash: "x" }).returning();
    const dpo: StaffActor = { type: "staff", id: dpoRow!.id, orgId: org.id, role: "dpo", name: "DPO", email: "dpo@bench.test" };
    const subject = await insertSubject(ctx.db, ctx.keys, { orgId: org.id, email: "bench@example.test", displayName: "Bench Person", locale: "fi" });
    const lines = loadCorpus().flatMap((c) => c.messages.filter((m) => m.sender !== "note").map((m) => ({ ...m, counsellor: c.others[0]?.name ?? "Helper" })));
    const startedAt = new Date(Date.now() - 86_400_000);
    const conv = await createConversation(ctx.db, ctx.keys, { orgId: org.id, subjectId: subject!.id, topic: "Long chat", language: "fi", startedAt });
    const batch: PlainMessage[] = Array.from({ length: MESSAGES }, (_, i) => {
      const m = lines[i % lines.length]!;
      return { senderRole: m.sender === "worker" ? "worker" : "subject", senderLabel: m.sender === "worker" ? m.counsellor : "me", body: m.text, sentAt: new Date(startedAt.getTime() + i * 1000) };
    });
    await appendMessages(ctx.db, ctx.keys, conv, batch);

    const approved = async () => {
      const [r] = await ctx.db.insert(requests).values({
        orgId: org.id, reference: newReference(), subjectId: subject!.id, type: "access", scope: "chosen_conversations", conversationIds: [conv.id],
        dedupeKey: crypto.randomUUID(), status: "approved", assurance: "account", locale: "en", receivedAt: new Date(), dueDate: "2030-01-01", effectiveDueDate: "2030-01-01",
      }).returning();
      await ctx.db.transaction((tx) => openPackageReview(tx, ctx, dpo, r!));
      return r!;
    };
    const plain = await approved();
    const redacted = await approved();

    // ---- review pages (measured)
    let rc = await loadReview(ctx, org.id, redacted.id);
    const pages = pageCount(rc.conversations[0]!);
    const views: number[] = [];
    const saves: number[] = [];
    let suggestions = 0;
    for (let p = 0; p < pages; p++) {
      let t0 = process.hrtime.bigint();
      rc = await loadReview(ctx, org.id, redacted.id);
      const page = await viewReviewPage(ctx, dpo, rc, { c: 0, p }, "fi");
      views.push(ms(t0));
      const form: Record<string, string[]> = {};
      for (const item of page.items) {
        if (item.suggestions.length) form[`s.${item.key}`] = item.suggestions.map((s) => s.value);
        suggestions += item.suggestions.length;
      }
      t0 = process.hrtime.bigint();
      await saveReviewPage(ctx, dpo, rc, { c: 0, p }, form, "fi");
      saves.push(ms(t0));
    }
    const stored = (await ctx.db.select({ id: packageRedactions.id }).from(packageRedactions)).length;

    // ---- the package, without and with the redactions (measured, same run)
    const build = async (requestId: string) => {
      await releasePackage(ctx, dpo, requestId);
      const t0 = process.hrtime.bigint();
      await new JobRunner(ctx, exportJobDefinitions()).drain();
      const took = ms(t0);
      const [row] = await ctx.db.select().from(exports).where(eq(exports.requestId, requestId));
      if (row?.status !== "ready") throw new Error(`export did not finish: ${row?.status} ${row?.error ?? ""}`);
      return took;
    };
    const plainMs = await build(plain.id);
    const redactedMs = await build(redacted.id);

    process.stdout.write([
      `bench:review on ${ctx.engine}, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} cores`,
      `  data:        ${MESSAGES.toLocaleString("en")} messages of the redaction corpus in one conversation, ${pages} review pages of 50`,
      `  show a page: median ${median(views).toFixed(0)} ms, max ${Math.max(...views).toFixed(0)} ms (read 50 messages, suggestions, redactions so far; audited)`,
      `  save a page: median ${median(saves).toFixed(0)} ms, max ${Math.max(...saves).toFixed(0)} ms (every suggestion accepted)`,
      `  redactions:  ${suggestions.toLocaleString("en")} suggestions accepted, ${stored.toLocaleString("en")} stored sealed`,
      `  package:     ${plainMs.toFixed(0)} ms without redactions, ${redactedMs.toFixed(0)} ms with them (ratio ${(redactedMs / plainMs).toFixed(2)}×)`,
    ].join("\n") + "\n");
    printBenchSummary("review", { engine: ctx.engine, show_page_median_ms: Math.round(median(views)), save_page_median_ms: Math.round(median(saves)), package_ms: Math.round(plainMs), package_redacted_ms: Math.round(redactedMs), redacted_ratio: Number((redactedMs / plainMs).toFixed(2)) });
  } finally {
    await database.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:review failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
