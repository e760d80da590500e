import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { eq, sql } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { auditLog, conversations, dataKeys } from "../../src/db/schema/index.js";
import { importNdjson, type ImportCounts, type ImportOptions } from "../../src/chats/import-ndjson.js";
import { findConversation } from "../../src/chats/ingest.js";
import { readIp, readMessages, readNotes } from "../../src/chats/conversation-store.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { hashReceiptCode } from "../../src/platform/codes.js";
import { count } from "./helpers.js";

const t = (s: number) => new Date(Date.UTC(2026, 1, 10, 12, 0, s)).toISOString();
const msg = (conversation: string, externalId: string, s: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "message", conversation, externalId, senderRole: s % 2 ? "worker" : "subject", senderLabel: s % 2 ? "Kim" : "me", body: `body ${conversation}/${externalId}`, sentAt: t(s), ...extra });
const conv = (externalId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "conversation", externalId, topic: "Topic", language: "fi", startedAt: t(0), endedAt: t(3600), ...extra });

/** 40 lines: six bad ones (6, 7, 11, 12, 13, 20), one blank (8), one duplicate message (17). */
function fixture(): string[] {
  const lines = [
    /* 1 */ JSON.stringify({ type: "subject", externalId: "s-1", email: "One@Example.test", displayName: "One", locale: "fi" }),
    /* 2 */ JSON.stringify({ type: "subject", externalId: "s-2", email: null }),
    /* 3 */ conv("c-1", { subjectExternalId: "s-1", receiptCodeHash: hashReceiptCode("AAAA-BBBB-CCCC-DDDD"), ip: "198.51.100.7" }),
    /* 4 */ msg("c-1", "m-1", 1),
    /* 5 */ msg("c-1", "m-2", 2),
    /* 6 */ '{"type":"message", "conversation": "c-1", oops',
    /* 7 */ msg("c-2", "m-1", 3), // c-2 only comes on line 9
    /* 8 */ "",
    /* 9 */ conv("c-2"),
    /* 10 */ msg("c-2", "m-1", 4),
    /* 11 */ JSON.stringify({ type: "alien", externalId: "x" }),
    /* 12 */ JSON.stringify({ type: "message", conversation: "c-1", externalId: "m-3", senderRole: "subject", sentAt: t(5) }),
    /* 13 */ conv("c-3", { subjectExternalId: "s-404" }),
    /* 14 */ JSON.stringify({ type: "note", conversation: "c-1", externalId: "n-1", body: "Referred to school nurse" }),
    /* 15 */ msg("c-1", "m-4", 6),
    /* 16 */ JSON.stringify({ type: "subject", externalId: "s-1", email: "one@example.test", displayName: "One Renamed", locale: "fi" }),
    /* 17 */ msg("c-1", "m-2", 2),
    /* 18 */ msg("c-2", "m-2", 7),
    /* 19 */ conv("c-1", { subjectExternalId: "s-1", receiptCodeHash: hashReceiptCode("AAAA-BBBB-CCCC-DDDD"), ip: "198.51.100.7" }),
    /* 20 */ msg("c-1", "m-5", 8, { extra: 1 }),
  ];
  for (let i = 0; i < 20; i++) lines.push(msg("c-2", `m-${i + 3}`, 10 + i));
  return lines;
}

const expectedCounts: ImportCounts = {
  lines: 40,
  blank: 1,
  rejected: 6,
  subjects: { created: 2, updated: 1, unchanged: 0 },
  conversations: { created: 2, updated: 0, unchanged: 1 },
  messages: { inserted: 25, duplicate: 1 },
  notes: { inserted: 1, duplicate: 0 },
};

describe("chats: NDJSON import", () => {
  let ctx: TestContext;
  let orgId: string;
  let dir: string;
  let file: string;

  beforeEach(async () => {
    ctx = await freshContext();
    orgId = (await makeOrg(ctx)).id;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-import-"));
    file = path.join(dir, "export.ndjson");
    fs.writeFileSync(file, `${fixture().join("\n")}\n`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (opts: Partial<ImportOptions> = {}) => importNdjson(ctx, { file, orgId, batchSize: 3, ...opts });

  it("imports, rejects bad lines with their numbers and reasons, and keeps going", async () => {
    const progress: number[] = [];
    const rejectedLive: number[] = [];
    const result = await run({ onProgress: (p) => progress.push(p.line), progressEvery: 10, onReject: (r) => rejectedLive.push(r.line) });
    expect(result.status).to.equal("complete");
    expect(result.counts).to.deep.equal(expectedCounts);
    expect(result.rejected.map((r) => r.line)).to.deep.equal([6, 7, 11, 12, 13, 20]);
    expect(rejectedLive).to.deep.equal([6, 7, 11, 12, 13, 20]);
    const reason = (line: number) => result.rejected.find((r) => r.line === line)!.reason;
    expect(reason(6)).to.equal("not valid JSON");
    expect(reason(7)).to.match(/^conversation: no conversation with this id on an earlier line/);
    expect(reason(11)).to.match(/^type: /);
    expect(reason(12)).to.match(/^body: /);
    expect(reason(13)).to.equal("subjectExternalId: No subject with this id: PUT the subject first");
    expect(reason(20)).to.match(/Unrecognized key.*extra/);
    expect(progress.at(-1)).to.equal(40);

    expect(await count(ctx, "subjects")).to.equal(2);
    expect(await count(ctx, "conversations")).to.equal(2);
    expect(await count(ctx, "messages")).to.equal(25);
    const c1 = (await findConversation(ctx.db, orgId, "c-1"))!;
    const c2 = (await findConversation(ctx.db, orgId, "c-2"))!;
    expect([c1.messageCount, c2.messageCount]).to.deep.equal([3, 22]);
    expect((await readMessages(ctx.db, ctx.keys, c1)).map((m) => m.body)).to.deep.equal(["body c-1/m-1", "body c-1/m-2", "body c-1/m-4"]);
    expect((await readNotes(ctx.db, ctx.keys, c1)).map((n) => n.body)).to.deep.equal(["Referred to school nurse"]);
    expect(await readIp(ctx.db, ctx.keys, c1)).to.equal("198.51.100.7");
    expect(c1.receiptCodeHash).to.equal(hashReceiptCode("AAAA-BBBB-CCCC-DDDD"));

    const batches = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "chats.import.batch"));
    expect(batches.length).to.be.greaterThan(5);
    expect(batches.reduce((n, b) => n + Number((b.details.messages as { inserted: number }).inserted), 0)).to.equal(25);
    expect(JSON.stringify(batches.map((b) => b.details))).not.to.include("body c-");
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);

    const checkpoint = JSON.parse(fs.readFileSync(result.checkpointFile, "utf8"));
    expect(checkpoint).to.include({ line: 40, complete: true, offset: fs.statSync(file).size });

    // A rerun finds nothing left to do.
    const again = await run();
    expect(again).to.include({ status: "complete", resumedFromLine: 40 });
    expect(again.counts).to.deep.equal(expectedCounts);
    expect(await count(ctx, "messages")).to.equal(25);
  });

  for (const stopAt of [2, 9, 17, 33]) {
    it(`resumes after an interruption at line ${stopAt} with exact final counts`, async () => {
      const controller = new AbortController();
      const first = await run({
        signal: controller.signal,
        progressEvery: 1,
        onProgress: (p) => {
          if (p.line >= stopAt) controller.abort();
        },
      });
      expect(first.status).to.equal("aborted");
      expect(first.lastCommittedLine).to.be.lessThan(stopAt + 1);
      expect(await count(ctx, "messages")).to.be.lessThan(25);

      const second = await run();
      expect(second.status).to.equal("complete");
      expect(second.resumedFromLine).to.equal(first.lastCommittedLine);
      expect(second.counts).to.deep.equal(expectedCounts);
      expect(second.rejected.map((r) => r.line)).to.deep.equal([6, 7, 11, 12, 13, 20]);
      expect(await count(ctx, "messages")).to.equal(25);
      expect(await count(ctx, "notes")).to.equal(1);
      expect((await findConversation(ctx.db, orgId, "c-2"))!.messageCount).to.equal(22);
    });
  }

  it("replays the whole file idempotently with restart", async () => {
    await run();
    const replay = await run({ restart: true, batchSize: 500 });
    expect(replay.counts).to.deep.include({
      // s-1 is renamed on line 16 and back on line 1: the replay walks the same history again.
      subjects: { created: 0, updated: 2, unchanged: 1 },
      conversations: { created: 0, updated: 0, unchanged: 3 },
      // Line 7 now finds c-2 already stored, so it is a duplicate rather than a forward reference.
      messages: { inserted: 0, duplicate: 27 },
      notes: { inserted: 0, duplicate: 1 },
      rejected: 5,
    });
    expect(await count(ctx, "messages")).to.equal(25);
    expect((await findConversation(ctx.db, orgId, "c-1"))!.messageCount).to.equal(3);
  });

  it("ignores a checkpoint from another file or organization", async () => {
    await run();
    fs.writeFileSync(file, `${msg("c-1", "m-99", 99)}\n${fixture().join("\n")}\n`);
    const other = await run();
    expect(other.checkpointIgnored).to.equal("the file's beginning changed");
    expect(other.resumedFromLine).to.equal(0);
    expect(await count(ctx, "messages")).to.equal(26);
  });

  it("takes CRLF and a byte-order mark, and rejects an over-long line", async () => {
    const lines = fixture().slice(0, 5);
    lines.splice(3, 0, msg("c-1", "m-long", 3, { body: "x".repeat(500) }));
    fs.writeFileSync(file, `\uFEFF${lines.join("\r\n")}`);
    const result = await run({ maxLineBytes: 400 });
    expect(result.rejected).to.deep.equal([{ line: 4, reason: "line longer than 400 bytes" }]);
    expect(result.counts.messages.inserted).to.equal(2);
    expect((await readMessages(ctx.db, ctx.keys, (await findConversation(ctx.db, orgId, "c-1"))!)).map((m) => m.body)).to.deep.equal(["body c-1/m-1", "body c-1/m-2"]);
  });

  it("rejects lines for an erased conversation", async () => {
    await run();
    const c1 = (await findConversation(ctx.db, orgId, "c-1"))!;
    await ctx.db.update(conversations).set({ erasedAt: ctx.clock.now(), dataKeyId: null }).where(eq(conversations.id, c1.id));
    await ctx.db.delete(dataKeys).where(eq(dataKeys.id, c1.dataKeyId!));
    fs.writeFileSync(file, [msg("c-1", "m-50", 50), conv("c-1"), msg("c-2", "m-50", 50)].join("\n"));
    const result = await run();
    expect(result.rejected.map((r) => r.line)).to.deep.equal([1, 2]);
    expect(result.rejected[0]!.reason).to.include("erased");
    expect(result.rejected[1]!.reason).to.include("conversation_erased");
    expect(result.counts.messages.inserted).to.equal(1);
  });

  it("when the database refuses a batch, retries it record by record and rejects only the culprit", async () => {
    await ctx.db.execute(sql.raw(`
      create or replace function rightsdesk_test_refuse() returns trigger language plpgsql as $$
      begin raise exception 'refused by test trigger'; end $$`));
    await ctx.db.execute(sql.raw(`
      create trigger rightsdesk_test_refuse before insert on messages for each row
        when (new.external_id = 'm-4') execute function rightsdesk_test_refuse();`));
    try {
      const result = await run({ batchSize: 500 });
      // m-4 of c-1 (line 15) and m-4 of c-2 (line 22) are refused; the rest of the batch is stored.
      expect(result.rejected.map((r) => r.line)).to.deep.equal([6, 7, 11, 12, 13, 15, 20, 22]);
      expect(result.rejected.find((r) => r.line === 15)!.reason).to.equal("database refused the record (SQLSTATE P0001)");
      expect(result.counts.messages.inserted).to.equal(23);
      expect(await count(ctx, "messages")).to.equal(23);
      expect((await findConversation(ctx.db, orgId, "c-1"))!.messageCount).to.equal(2);
    } finally {
      await ctx.db.execute(sql.raw("drop trigger if exists rightsdesk_test_refuse on messages"));
      await ctx.db.execute(sql.raw("drop function if exists rightsdesk_test_refuse()"));
    }
  });
});
