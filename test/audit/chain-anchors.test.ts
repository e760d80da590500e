import { expect } from "chai";
import { sql } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { auditAnchors, auditLog } from "../../src/db/schema/index.js";
import { recordAudit, verifyAuditChain } from "../../src/platform/audit.js";
import { runRetention } from "../../src/retention/run-retention.js";
import { at, count, setPolicy } from "../retention/helpers.js";

const BASIS = new Date("2025-01-15T12:00:00Z");

describe("audit chain with retention anchors", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;

  /** Ten old entries, five recent ones; retention (1 year) removes the old ten in batches of four. */
  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    ctx.clock.set(BASIS);
    for (let i = 1; i <= 10; i++) await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "test.old", details: { i } });
    ctx.clock.set(at(BASIS, 400));
    for (let i = 1; i <= 5; i++) await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "test.recent", details: { i } });
    await setPolicy(ctx, org.id, "audit_log", { periodDays: 365, basis: "created", action: "delete" });
  });

  const seqs = async () => (await ctx.db.select({ seq: auditLog.seq }).from(auditLog).orderBy(auditLog.seq)).map((r) => r.seq);

  it("retention removes the oldest entries, leaves anchors, and the kept chain verifies", async () => {
    const [result] = await runRetention(ctx, { batchSize: 4 });
    expect(result!.counts.audit_log).to.equal(10);
    expect(await count(ctx, "audit_log", "action = 'test.old'")).to.equal(0);
    expect(await count(ctx, "audit_log", "action = 'test.recent'")).to.equal(5);
    const anchors = await ctx.db.select().from(auditAnchors).orderBy(auditAnchors.seq);
    expect(anchors.map((a) => a.removedCount).reduce((a, b) => a + b, 0)).to.be.at.least(10);
    const check = await verifyAuditChain(ctx.db);
    expect(check).to.deep.include({ ok: true });
    expect((check as { anchoredAt?: number }).anchoredAt).to.equal((await seqs())[0]! - 1);
  });

  it("a second pruning later still verifies (the newest anchor counts)", async () => {
    await runRetention(ctx, { batchSize: 4 });
    ctx.clock.set(at(BASIS, 1200));
    await runRetention(ctx, { batchSize: 4 });
    expect(await count(ctx, "audit_log", "action like 'test.%'")).to.equal(0);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  describe("after pruning, every other gap or change still fails, naming the first bad entry", () => {
    beforeEach(async () => {
      await runRetention(ctx, { batchSize: 4 });
    });

    it("the first kept entry deleted", async () => {
      const first = (await seqs())[0]!;
      await ctx.db.execute(sql`delete from audit_log where seq = ${first}`);
      expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: first, reason: "missing_or_reordered" });
    });

    it("an entry in the middle deleted", async () => {
      const middle = (await seqs())[3]!;
      await ctx.db.execute(sql`delete from audit_log where seq = ${middle}`);
      expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: middle, reason: "missing_or_reordered" });
    });

    it("an entry altered", async () => {
      const second = (await seqs())[1]!;
      await ctx.db.execute(sql`update audit_log set details = '{"i": 99}' where seq = ${second}`);
      expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: second, reason: "altered" });
    });

    it("two entries swapped", async () => {
      const [a, , b] = await seqs();
      await ctx.db.execute(sql`update audit_log set seq = -seq where seq in (${a!}, ${b!})`);
      await ctx.db.execute(sql`update audit_log set seq = case seq when ${-a!}::bigint then ${b!}::bigint else ${a!}::bigint end where seq < 0`);
      expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: a });
    });

    it("an anchor whose hash was changed", async () => {
      await ctx.db.execute(sql`update audit_anchors set hash = repeat('b', 64) where seq = (select max(seq) from audit_anchors)`);
      expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: (await seqs())[0]!, reason: "broken_link" });
    });
  });

  it("oldest entries deleted by hand, without an anchor, fail at seq 1", async () => {
    await ctx.db.execute(sql`delete from audit_log where seq <= 3`);
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: 1, reason: "missing_or_reordered" });
  });

  it("oldest entries deleted by hand with a forged anchor fail: no kept entry vouches for it", async () => {
    const [third] = await ctx.db.select().from(auditLog).where(sql`seq = 3`);
    await ctx.db.execute(sql`delete from audit_log where seq <= 3`);
    await ctx.db.insert(auditAnchors).values({ chain: org.id, seq: 3, hash: third!.hash, at: ctx.clock.now(), removedCount: 3 });
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: 4, reason: "unattested_anchor" });
  });

  it("entries removed beyond the newest anchor fail at the first missing one", async () => {
    await runRetention(ctx, { batchSize: 4 });
    const [anchor] = await ctx.db.select().from(auditAnchors).orderBy(sql`seq desc`).limit(1);
    await ctx.db.execute(sql`delete from audit_log where seq <= ${anchor!.seq + 2}`);
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: anchor!.seq + 1, reason: "missing_or_reordered" });
  });
});
